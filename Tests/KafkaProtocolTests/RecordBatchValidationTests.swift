import Testing

import KafkaProtocol

@Suite struct RecordBatchValidationTests {
    @Test(arguments: BatchFixture.all.filter(\.isProducerBatch).map(\.name))
    func producerBatchesAreAcceptedAndSummarized(_ name: String) throws {
        let fixture = BatchFixture.named(name)
        let summary = try validation(fixture.bytes).get()
        #expect(summary.batchCount == 1)
        #expect(summary.byteCount == fixture.sizeInBytes)
        #expect(summary.offsetCount == Int64(fixture.recordCount))
        #expect(summary.firstBaseOffset == 0)
        #expect(summary.lastOffset == Int64(fixture.lastOffsetDelta))
        #expect(summary.firstTimestamp == fixture.baseTimestamp)
        #expect(summary.maxTimestamp == fixture.maxTimestamp)
        #expect(summary.maxTimestamp == fixture.maxRecordTimestamp)
        #expect(summary.maxTimestampOffsetDelta == Int64(fixture.lastOffsetDelta))
        #expect(summary.maxTimestampBatchPosition == 0)
        #expect(summary.sourceCompression.name == fixture.codec)
        #expect(summary.isCompressed == (fixture.codec != "none"))
    }

    @Test func everyFixtureTogetherIsAValidFollowerAppend() throws {
        let all = BatchFixture.all
        let summary = try validation(BatchFixture.concatenated, origin: .replication).get()
        #expect(summary.batchCount == all.count)
        #expect(summary.byteCount == all.reduce(0) { $0 + $1.sizeInBytes })
        #expect(summary.offsetCount == all.reduce(0) { $0 + Int64($1.lastOffsetDelta) + 1 })
        #expect(summary.firstTimestamp == all[0].baseTimestamp)
        let maxIndex = all.indices.max { all[$0].maxTimestamp < all[$1].maxTimestamp }!
        #expect(summary.maxTimestamp == all[maxIndex].maxTimestamp)
        #expect(summary.maxTimestampBatchPosition == all[..<maxIndex].reduce(0) { $0 + $1.sizeInBytes })
        #expect(summary.maxTimestampOffsetDelta
            == all[..<maxIndex].reduce(0) { $0 + Int64($1.lastOffsetDelta) + 1 } + Int64(all[maxIndex].lastOffsetDelta))
        #expect(summary.sourceCompression.name == all.last { $0.codec != "none" }!.codec)
        #expect(!summary.offsetsMonotonic, "every producer batch starts at 0")
    }

    /// Kafka 2.8 accepts exactly one v2 batch per partition in a produce request.
    @Test func aLeaderAppendTakesExactlyOneBatch() {
        let two = BatchFixture.named("none").bytes + BatchFixture.named("gzip").bytes
        let error = validation(two).failure
        #expect(error?.kind == .multipleBatches)
        #expect(error?.position == BatchFixture.named("none").sizeInBytes)
        #expect(error?.errorCode == .invalidRecord)
        #expect(validation(two, origin: .coordinator).failure?.kind == .multipleBatches)
        #expect(validation(two, origin: .replication).success?.batchCount == 2)
    }

    @Test(arguments: BatchFixture.all.map(\.name))
    func flippingAnyCoveredByteIsCorruption(_ name: String) {
        let fixture = BatchFixture.named(name)
        for position in 21..<fixture.sizeInBytes {
            for mask: UInt8 in [0x01, 0x80] {
                var bytes = fixture.bytes
                bytes[position] ^= mask
                let error = validation(bytes, origin: .replication).failure
                let undefinedCodec = position == 22 && mask == 0x01 && (fixture.compressionId ^ 1) > 4
                if undefinedCodec {
                    #expect(error?.kind == .unknownCompression(Int16(fixture.compressionId ^ 1)))
                } else {
                    #expect(error?.errorCode == .corruptMessage, "\(name) byte \(position) mask \(mask)")
                    #expect(error?.isIncompleteBatch == false)
                }
            }
        }
    }

    @Test func theStoredCRCItselfIsChecked() {
        var bytes = BatchFixture.named("snappy").bytes
        bytes[18] ^= 0x04
        let error = validation(bytes).failure
        let stored = bytes.read(UInt32.self, at: 17)
        #expect(error?.kind == .checksumMismatch(stored: stored, computed: BatchFixture.named("snappy").crc))
    }

    @Test(arguments: BatchFixture.all.map(\.name))
    func everyTruncationIsRejected(_ name: String) {
        let bytes = BatchFixture.named(name).bytes
        #expect(validation([]).failure?.kind == .noBatches)
        #expect(validation([]).failure?.errorCode == .invalidRecord)
        for length in 1..<bytes.count {
            let error = validation(Array(bytes.prefix(length))).failure
            #expect(error?.errorCode == .corruptMessage, "\(name) cut to \(length) bytes")
            #expect(error?.isIncompleteBatch == true)
        }
        let afterOne = bytes + bytes.prefix(40)
        #expect(validation(afterOne, origin: .replication).failure?.position == bytes.count)
    }

    @Test func aBatchOverMaxBatchBytesIsTooLarge() {
        let bytes = BatchFixture.named("idempotent").bytes
        let error = validation(bytes, maxBatchBytes: bytes.count - 1).failure
        #expect(error?.kind == .batchTooLarge(sizeInBytes: bytes.count, maxBatchBytes: bytes.count - 1))
        #expect(error?.errorCode == .messageTooLarge)
        #expect(validation(bytes, maxBatchBytes: bytes.count).success != nil)
    }

    @Test func magicZeroAndOneAreInvalidRecordsOthersCorrupt() {
        var bytes = BatchFixture.named("none").bytes
        bytes[16] = 1
        #expect(validation(bytes).failure?.errorCode == .invalidRecord)
        bytes[16] = 0
        #expect(validation(bytes).failure?.errorCode == .invalidRecord)
        bytes[16] = 7
        #expect(validation(bytes).failure?.errorCode == .corruptMessage)
    }

    @Test func aShortBatchLengthIsCorrupt() {
        var bytes = BatchFixture.named("none").bytes
        bytes.patch(Int32(13), at: 8)
        #expect(validation(bytes).failure?.kind == .batchLengthTooSmall(13))
        #expect(validation(bytes).failure?.errorCode == .corruptMessage)
    }
}
