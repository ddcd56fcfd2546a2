import Testing

import KafkaProtocol

@Suite struct RecordBatchHeaderTests {
    @Test(arguments: BatchFixture.all.map(\.name))
    func headerMatchesWhatKafkaPythonReadBack(_ name: String) throws {
        let fixture = BatchFixture.named(name)
        let header = try fixture.bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.baseOffset == fixture.baseOffset)
        #expect(header.batchLength == fixture.batchLength)
        #expect(header.sizeInBytes == fixture.sizeInBytes)
        #expect(header.sizeInBytes == fixture.bytes.count)
        #expect(header.partitionLeaderEpoch == fixture.partitionLeaderEpoch)
        #expect(header.magic == 2)
        #expect(header.crc == fixture.crc)
        #expect(header.attributes == fixture.attributes)
        #expect(header.compression.rawValue == fixture.compressionId)
        #expect(header.compression.name == fixture.codec)
        #expect(header.lastOffsetDelta == fixture.lastOffsetDelta)
        #expect(header.lastOffset == fixture.baseOffset + Int64(fixture.lastOffsetDelta))
        #expect(header.recordsCount == fixture.recordCount)
        #expect(Int(header.recordsCount) == fixture.recordsDecoded)
        #expect(header.baseTimestamp == fixture.baseTimestamp)
        #expect(header.maxTimestamp == fixture.maxTimestamp)
        #expect(header.timestampType == (fixture.timestampType == "log_append_time" ? .logAppendTime : .createTime))
        #expect(header.isTransactional == fixture.isTransactional)
        #expect(header.isControl == fixture.isControl)
        #expect(header.producerId == fixture.producerId)
        #expect(header.hasProducerId == (fixture.producerId >= 0))
        #expect(header.producerEpoch == fixture.producerEpoch)
        #expect(header.baseSequence == fixture.baseSequence)
    }

    @Test func everyCodecIsCovered() {
        let codecs = Set(BatchFixture.all.map(\.codec))
        #expect(codecs == Set(CompressionType.allCases.map(\.name)))
    }

    @Test func parsingNeedsTheWholeHeader() {
        let bytes = BatchFixture.named("none").bytes
        let error = bytes.withUnsafeBytes { buffer in
            parseError(UnsafeRawBufferPointer(rebasing: buffer[..<60]))
        }
        #expect(error?.kind == .truncated(needed: 61, available: 60))
        #expect(error?.errorCode == .corruptMessage)
    }

    @Test func parsingRejectsOtherMagics() {
        var bytes = BatchFixture.named("none").bytes
        bytes[16] = 1
        #expect(bytes.withUnsafeBytes { parseError($0) }?.kind == .unsupportedMagic(1))
        bytes[16] = 3
        #expect(bytes.withUnsafeBytes { parseError($0) }?.kind == .unsupportedMagic(3))
    }

    @Test func parsingRejectsUndefinedCompressionIds() {
        var bytes = BatchFixture.named("none").bytes
        bytes[22] = 0x05
        let error = bytes.withUnsafeBytes { parseError($0) }
        #expect(error?.kind == .unknownCompression(5))
        #expect(error?.errorCode == .unsupportedCompressionType)
    }

    @Test func parsingRejectsALengthShorterThanTheHeader() {
        var bytes = BatchFixture.named("none").bytes
        bytes.patch(Int32(48), at: 8)
        #expect(bytes.withUnsafeBytes { parseError($0) }?.kind == .batchLengthTooSmall(48))
    }

    @Test func attributeBitsDecode() throws {
        var bytes = BatchFixture.named("zstd").bytes
        bytes.patch(Int16(0x3C), at: 21)  // zstd | LogAppendTime | transactional | control
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.compression == .zstd)
        #expect(header.timestampType == .logAppendTime)
        #expect(header.isTransactional)
        #expect(header.isControl)
    }

    private func parseError(_ bytes: UnsafeRawBufferPointer) -> RecordBatchError? {
        do throws(RecordBatchError) {
            _ = try RecordBatchHeader(parsing: bytes)
            return nil
        } catch {
            return error
        }
    }
}
