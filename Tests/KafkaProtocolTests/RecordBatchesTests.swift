import Testing

import KafkaProtocol

@Suite struct RecordBatchesTests {
    @Test func iteratesEveryFixtureBackToBack() {
        let bytes = BatchFixture.concatenated
        bytes.withUnsafeBytes { buffer in
            var iterator = RecordBatches(buffer, verifyingChecksums: true).makeIterator()
            var position = 0
            for fixture in BatchFixture.all {
                guard let (header, range) = iterator.next() else {
                    Issue.record("iteration stopped before \(fixture.name): \(String(describing: iterator.stopReason))")
                    return
                }
                #expect(range == position..<(position + fixture.sizeInBytes), "\(fixture.name)")
                #expect(header.crc == fixture.crc && header.recordsCount == fixture.recordCount, "\(fixture.name)")
                position += fixture.sizeInBytes
            }
            #expect(iterator.next() == nil)
            #expect(iterator.stopReason == nil)
            #expect(iterator.validByteCount == bytes.count)
            #expect(iterator.trailingByteCount == 0)
        }
    }

    @Test func aTrailingPartialBatchIsReportedAsIncomplete() {
        let whole = BatchFixture.concatenated
        let partial = Array(BatchFixture.named("gzip").bytes.prefix(30))
        (whole + partial).withUnsafeBytes { buffer in
            let scan = RecordBatches(buffer).validPrefix()
            #expect(scan.batchCount == BatchFixture.all.count)
            #expect(scan.validByteCount == whole.count)
            #expect(scan.stopReason?.position == whole.count)
            #expect(scan.stopReason?.isIncompleteBatch == true)
            #expect(scan.stopReason?.kind == .truncated(needed: BatchFixture.named("gzip").sizeInBytes, available: 30))
        }
    }

    @Test func aTrailingSizePrefixFragmentIsIncomplete() {
        let whole = BatchFixture.named("none").bytes
        (whole + [0, 0, 0]).withUnsafeBytes { buffer in
            var iterator = RecordBatches(buffer).makeIterator()
            while iterator.next() != nil {}
            #expect(iterator.validByteCount == whole.count)
            #expect(iterator.trailingByteCount == 3)
            #expect(iterator.stopReason?.kind == .truncated(needed: 12, available: 3))
        }
    }

    @Test func zeroFilledTailIsInvalidNotIncomplete() {
        let whole = BatchFixture.named("lz4").bytes
        (whole + [UInt8](repeating: 0, count: 100)).withUnsafeBytes { buffer in
            let scan = RecordBatches(buffer).validPrefix()
            #expect(scan.validByteCount == whole.count)
            #expect(scan.stopReason?.kind == .batchLengthTooSmall(0))
            #expect(scan.stopReason?.isIncompleteBatch == false)
        }
    }

    /// Recovery's contract: with checksums verified, iteration stops at the first damaged batch and reports the
    /// valid prefix before it; without, only framing is checked.
    @Test func checksumVerificationStopsAtTheDamagedBatch() {
        var bytes = BatchFixture.concatenated
        let damagedIndex = 3
        let damagedPosition = BatchFixture.all.prefix(damagedIndex).reduce(0) { $0 + $1.sizeInBytes }
        bytes[damagedPosition + 70] ^= 0x10
        bytes.withUnsafeBytes { buffer in
            let verified = RecordBatches(buffer, verifyingChecksums: true).validPrefix()
            #expect(verified.batchCount == damagedIndex)
            #expect(verified.validByteCount == damagedPosition)
            #expect(verified.stopReason?.position == damagedPosition)
            #expect(verified.stopReason?.errorCode == .corruptMessage)
            let shallow = RecordBatches(buffer).validPrefix()
            #expect(shallow.batchCount == BatchFixture.all.count)
            #expect(shallow.stopReason == nil)
        }
    }

    @Test func anEmptyBufferHasNoBatchesAndNoError() {
        [UInt8]().withUnsafeBytes { buffer in
            let scan = RecordBatches(buffer).validPrefix()
            #expect(scan.batchCount == 0 && scan.validByteCount == 0 && scan.stopReason == nil)
        }
    }
}
