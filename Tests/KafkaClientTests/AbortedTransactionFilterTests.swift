import KafkaProtocol
import NIOCore
import Testing

@testable import KafkaClient

/// Batches as a read_committed fetch returns them: transactional data of two producers, their markers, and the
/// aborted transactions the broker named.
private func transactional(producerId: Int64, baseOffset: Int64, values: [String]) -> [UInt8] {
    var builder = RecordBatchBuilder(baseTimestamp: 1_000, producerId: producerId, producerEpoch: 0, baseSequence: 0)
    for value in values { builder.append(key: nil, value: Array(value.utf8)) }
    var bytes = builder.build()
    bytes[22] |= 0x10  // attributes (int16 at 21): bit 4, transactional
    bytes.withUnsafeMutableBytes { batch in
        RecordBatch.setBaseOffset(baseOffset, in: batch)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: batch[21...]))
        batch.storeBytes(of: crc.bigEndian, toByteOffset: 17, as: UInt32.self)
    }
    return bytes
}

private func marker(producerId: Int64, offset: Int64, commit: Bool) -> [UInt8] {
    RecordBatch.controlBatch(
        marker: EndTransactionMarker(type: commit ? .commit : .abort, coordinatorEpoch: 0), producerId: producerId,
        producerEpoch: 0, timestampMs: 1_000, baseOffset: offset)
}

@Suite struct AbortedTransactionFilterTests {
    /// Producer 1 aborts (offsets 0-1, marker 3), producer 2 commits (offset 2, marker 4), producer 1 then
    /// commits a second transaction (offset 5, marker 6).
    let fetched = ByteBuffer(bytes:
        transactional(producerId: 1, baseOffset: 0, values: ["a0", "a1"])
        + transactional(producerId: 2, baseOffset: 2, values: ["c2"])
        + marker(producerId: 1, offset: 3, commit: false)
        + marker(producerId: 2, offset: 4, commit: true)
        + transactional(producerId: 1, baseOffset: 5, values: ["c5"])
        + marker(producerId: 1, offset: 6, commit: true))

    private func values(_ records: DecodedRecords) -> [String] {
        records.records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    @Test func readCommittedDropsTheAbortedTransactionOnly() throws {
        let decoded = try RecordDecoder.decode(
            fetched, partition: 0, abortedTransactions: [(producerId: 1, firstOffset: 0)])
        #expect(values(decoded) == ["c2", "c5"])
        #expect(decoded.nextOffset == 7)
    }

    @Test func readUncommittedKeepsEverythingButTheMarkers() throws {
        #expect(values(try RecordDecoder.decode(fetched, partition: 0)) == ["a0", "a1", "c2", "c5"])
    }

    @Test func anAbortedTransactionNotReachedYetDropsNothing() throws {
        let decoded = try RecordDecoder.decode(
            fetched, partition: 0, abortedTransactions: [(producerId: 1, firstOffset: 50)])
        #expect(values(decoded) == ["a0", "a1", "c2", "c5"])
    }

    @Test func noAbortedTransactionsMeansEverythingCommittedIsKept() throws {
        #expect(values(try RecordDecoder.decode(fetched, partition: 0, abortedTransactions: [])) == ["a0", "a1", "c2", "c5"])
    }
}
