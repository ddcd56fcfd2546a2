import Testing

import KafkaProtocol

@Suite struct RecordBatchMutationTests {
    @Test(arguments: BatchFixture.all.map(\.name))
    func setBaseOffsetAndEpochKeepTheCRCValid(_ name: String) throws {
        let fixture = BatchFixture.named(name)
        var bytes = fixture.bytes
        bytes.withUnsafeMutableBytes { batch in
            RecordBatch.setBaseOffset(9_000_000_001, in: batch)
            RecordBatch.setPartitionLeaderEpoch(17, in: batch)
        }
        let summary = try validation(bytes, origin: .replication).get()
        #expect(summary.firstBaseOffset == 9_000_000_001)
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.partitionLeaderEpoch == 17)
        #expect(header.crc == fixture.crc)
        #expect(Array(bytes[21...]) == Array(fixture.bytes[21...]))
    }

    /// The expected attributes and CRC were computed by kafka-python's pure-Python CRC-32C for the same mutation
    /// Kafka's `setMaxTimestamp(LOG_APPEND_TIME, t)` makes.
    @Test(arguments: BatchFixture.all.map(\.name))
    func setLogAppendTimeAgreesWithKafkaPython(_ name: String) throws {
        let fixture = BatchFixture.named(name)
        var bytes = fixture.bytes
        bytes.withUnsafeMutableBytes { RecordBatch.setLogAppendTime(fixture.logAppendTime.timestampMs, in: $0) }
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.maxTimestamp == fixture.logAppendTime.timestampMs)
        #expect(header.timestampType == .logAppendTime)
        #expect(header.attributes == fixture.logAppendTime.attributes)
        #expect(header.crc == fixture.logAppendTime.crc)
        #expect(header.baseTimestamp == fixture.baseTimestamp, "record timestamps are not touched")
        #expect(validation(bytes, origin: .replication).success != nil)
    }

    @Test func setLogAppendTimeClearsUndefinedAttributeBitsLikeKafka() throws {
        var bytes = BatchFixture.named("lz4").bytes
        bytes.patch(Int16(0x4113), at: 21)  // lz4 | transactional | undefined bits 6 and 14
        bytes.resealChecksum()
        bytes.withUnsafeMutableBytes { RecordBatch.setLogAppendTime(1, in: $0) }
        #expect(bytes.read(Int16.self, at: 21) == 0x1B)
        #expect(validation(bytes, origin: .replication).success != nil)
    }

    @Test func setLogAppendTimeIsANoOpWhenAlreadyStamped() {
        let fixture = BatchFixture.named("log_append_time")
        var bytes = fixture.bytes
        bytes.withUnsafeMutableBytes { RecordBatch.setLogAppendTime(fixture.maxTimestamp, in: $0) }
        #expect(bytes == fixture.bytes)
    }

    @Test func assignOffsetsNumbersEveryBatchInOnePass() throws {
        var bytes = BatchFixture.concatenated
        let lastOffset = bytes.withUnsafeMutableBytes {
            RecordBatch.assignOffsets(in: $0, firstOffset: 1_000, partitionLeaderEpoch: 4)
        }
        let expectedCount = BatchFixture.all.reduce(0) { $0 + Int64($1.lastOffsetDelta) + 1 }
        #expect(lastOffset == 1_000 + expectedCount - 1)
        let summary = try validation(bytes, origin: .replication).get()
        #expect(summary.firstBaseOffset == 1_000)
        #expect(summary.lastOffset == lastOffset)
        #expect(summary.offsetsMonotonic)
        bytes.withUnsafeBytes { buffer in
            var next: Int64 = 1_000
            for (header, _) in RecordBatches(buffer, verifyingChecksums: true) {
                #expect(header.baseOffset == next)
                #expect(header.partitionLeaderEpoch == 4)
                next = header.nextOffset
            }
            #expect(next == lastOffset + 1)
        }
    }

    @Test func assignOffsetsCanStampLogAppendTime() throws {
        var bytes = BatchFixture.named("gzip").bytes + BatchFixture.named("none").bytes
        let lastOffset = bytes.withUnsafeMutableBytes {
            RecordBatch.assignOffsets(in: $0, firstOffset: 0, logAppendTimeMs: 1_800_000_000_123)
        }
        #expect(lastOffset == 7 + 5)
        let summary = try validation(bytes, origin: .replication).get()
        #expect(summary.maxTimestamp == 1_800_000_000_123)
        let gzipCRC = bytes.read(UInt32.self, at: 17)
        #expect(gzipCRC == BatchFixture.named("gzip").logAppendTime.crc)
    }

    @Test func assignOffsetsOnNothingAssignsNothing() {
        var bytes: [UInt8] = []
        #expect(bytes.withUnsafeMutableBytes { RecordBatch.assignOffsets(in: $0, firstOffset: 42) } == 41)
    }
}
