import KafkaProtocol
import Testing

/// Transaction markers as Kafka writes them (`MemoryRecords.withEndTransactionMarker`): a 78-byte v2 control batch
/// of one record, and the marker read back from it.
@Suite("Control batches (transaction markers)")
struct ControlBatchTests {
    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    @Test func anAbortMarkerIsKafkasControlBatchByteForByte() throws {
        let marker = EndTransactionMarker(type: .abort, coordinatorEpoch: 5)
        #expect(marker.key == [0, 0, 0, 0])
        #expect(marker.value == [0, 0, 0, 0, 0, 5])
        let bytes = RecordBatch.controlBatch(
            marker: marker, producerId: 4242, producerEpoch: 3, timestampMs: 1_700_000_000_123, partitionLeaderEpoch: 7,
            baseOffset: 99)
        #expect(bytes.count == 78)
        // length 16, attributes, timestampDelta, offsetDelta, key length 4, key, value length 6, value, 0 headers
        let record: [UInt8] = [0x20, 0, 0, 0, 0x08, 0, 0, 0, 0, 0x0c, 0, 0, 0, 0, 0, 5, 0]
        #expect(Array(bytes[61...]) == record)
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.baseOffset == 99 && header.partitionLeaderEpoch == 7 && header.batchLength == 66)
        #expect(header.isControl && header.isTransactional && header.compression == .none)
        #expect(header.attributes == 0x30 && header.lastOffsetDelta == 0 && header.recordsCount == 1)
        #expect(header.baseTimestamp == 1_700_000_000_123 && header.maxTimestamp == 1_700_000_000_123)
        #expect(header.producerId == 4242 && header.producerEpoch == 3 && header.baseSequence == -1)

        // The CRC is right: the coordinator's leader append accepts it, a client may not send it.
        try bytes.withUnsafeBytes { raw in
            let summary = try RecordBatch.validate(raw, maxBatchBytes: 1 << 20, origin: .coordinator)
            #expect(summary.offsetCount == 1)
            #expect(throws: RecordBatchError.self) { try RecordBatch.validate(raw, maxBatchBytes: 1 << 20, origin: .client) }
        }
        #expect(try RecordBatch.endTransactionMarker(inControlBatch: bytes) == marker)
    }

    @Test func aCommitMarkerReadsBack() throws {
        let marker = EndTransactionMarker(type: .commit, coordinatorEpoch: Int32.max)
        let bytes = RecordBatch.controlBatch(marker: marker, producerId: 1, producerEpoch: 0, timestampMs: 0)
        #expect(try RecordBatch.endTransactionMarker(inControlBatch: bytes) == marker)
        #expect(ControlRecordType(rawValue: 1) == .commit && ControlRecordType(rawValue: 0) == .abort)
    }

    /// Another control type (Kafka's LEADER_CHANGE, or one unknown) is not a marker; a short key is invalid, and
    /// so is a data batch.
    @Test func otherControlRecordsAreNotMarkers() throws {
        var bytes = RecordBatch.controlBatch(
            marker: EndTransactionMarker(type: .commit, coordinatorEpoch: 1), producerId: 1, producerEpoch: 0, timestampMs: 0)
        bytes[61 + 8] = 2  // the key's type: LEADER_CHANGE
        #expect(try RecordBatch.endTransactionMarker(inControlBatch: bytes) == nil)
        let key: [UInt8] = [0, 0, 0]
        #expect(throws: ControlRecordError.self) {
            try key.withUnsafeBytes { try EndTransactionMarker.controlRecordType(key: $0) }
        }
        var data = RecordBatchBuilder(baseTimestamp: 0)
        data.append(key: nil, value: [1])
        #expect(throws: ControlRecordError.self) { try RecordBatch.endTransactionMarker(inControlBatch: data.build()) }
        #expect(throws: ControlRecordError.self) { try RecordBatch.endTransactionMarker(inControlBatch: Array(bytes.prefix(70))) }
    }
}
