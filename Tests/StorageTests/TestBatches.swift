import KafkaProtocol
import NIOCore

/// Kafka v2 record batches built and parsed byte by byte, for bulk test data: uncompressed, no record headers,
/// no producer id (-1). Bytes captured from a real client live in KafkaProtocolTests' fixtures; this builder exists
/// so storage tests can make thousands of batches of any shape, and its parser checks each batch independently of
/// the code under test.
///
/// Layout (Kafka's `DefaultRecordBatch`): baseOffset int64, batchLength int32 (bytes after this field),
/// partitionLeaderEpoch int32, magic int8 = 2, crc uint32 = CRC-32C of everything from attributes to the end,
/// attributes int16, lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId int64,
/// producerEpoch int16, baseSequence int32, record count int32, then the records, each: length varint,
/// attributes int8, timestampDelta varlong, offsetDelta varint, key (varint length, -1 = null), value (same),
/// header count varint. Varints are zigzag-encoded.
enum TestBatches {
    static let headerSize = 61
    static let crcOffset = 17
    static let attributesOffset = 21

    struct Record: Equatable {
        var timestampDelta: Int64 = 0
        var key: [UInt8]? = nil
        var value: [UInt8]?
    }

    /// One batch; record `i` gets offset delta `i`. Producers send `baseOffset` 0; the log assigns the real one.
    static func batch(baseOffset: Int64 = 0, baseTimestamp: Int64, records: [Record], partitionLeaderEpoch: Int32 = -1) -> [UInt8] {
        precondition(!records.isEmpty, "Kafka batches hold at least one record")
        var builder = RecordBatchBuilder(baseTimestamp: baseTimestamp, partitionLeaderEpoch: partitionLeaderEpoch)
        for record in records {
            builder.append(key: record.key, value: record.value, timestamp: baseTimestamp + record.timestampDelta)
        }
        var bytes = builder.build()
        if baseOffset != 0 { bytes.withUnsafeMutableBytes { RecordBatch.setBaseOffset(baseOffset, in: $0) } }
        return bytes
    }

    /// A batch whose records carry `OffsetValues` for the offsets the log will assign from `firstOffset`. Its
    /// own base offset is 0, as a producer's must be (the log rejects anything else from a client).
    static func selfDescribing(firstOffset: Int64, count: Int, baseTimestamp: Int64 = 1_700_000_000_000) -> [UInt8] {
        let records = (0..<count).map { Record(timestampDelta: Int64($0), value: OffsetValues.value(for: firstOffset + Int64($0))) }
        return batch(baseTimestamp: baseTimestamp, records: records)
    }

    static func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum($0) }
    }

    static func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// Record values that name their own offset, so a checker can tell a record that moved, vanished or was damaged:
/// the offset as 8 big-endian bytes, then `offset % 97` filler bytes derived from the offset (varying sizes).
enum OffsetValues {
    static func value(for offset: Int64) -> [UInt8] {
        var value = TestBatches.bigEndianBytes(offset)
        let filler = UInt8(truncatingIfNeeded: offset &* 31)
        value += repeatElement(filler, count: Int(offset % 97))
        return value
    }
}

extension [UInt8] {
    /// This batch with its base offset field replaced (outside the CRC), as a leader's log would hand it to a follower.
    func withBaseOffset(_ baseOffset: Int64) -> [UInt8] {
        TestBatches.bigEndianBytes(baseOffset) + self[8...]
    }
}
