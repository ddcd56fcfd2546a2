import Testing

import KafkaProtocol

/// The per-batch rules Kafka 2.8's `LogValidator.validateBatch` and `Log.analyzeAndValidateRecords` apply to a
/// producer's batch, each triggered by one field of a real batch (CRC re-sealed so that field is the only fault).
@Suite struct ProducerBatchRulesTests {
    private let plain = BatchFixture.named("none").bytes

    private func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = plain
        change(&bytes)
        bytes.resealChecksum()
        return bytes
    }

    @Test func baseOffsetMustBeZero() {
        var bytes = plain
        bytes.patch(Int64(5), at: 0)  // outside the CRC
        let error = validation(bytes).failure
        #expect(error?.kind == .nonZeroBaseOffset(5))
        #expect(error?.errorCode == .invalidRecord)
        #expect(validation(bytes, origin: .replication).success != nil)
    }

    @Test func recordsCountMustMatchTheOffsetRange() {
        let bytes = mutated { $0.patch(Int32(4), at: 57) }
        #expect(validation(bytes).failure?.kind == .recordCountMismatch(lastOffsetDelta: 4, recordsCount: 4))
        #expect(validation(bytes).failure?.errorCode == .invalidRecord)
        #expect(validation(bytes, origin: .replication).success != nil, "compaction leaves such batches in logs")
    }

    @Test func recordsCountMustBePositive() {
        let bytes = mutated { $0.patch(Int32(0), at: 57) }
        #expect(validation(bytes).failure?.kind == .invalidRecordCount(0))
    }

    @Test func theOffsetRangeMustNotBeNegative() {
        let bytes = mutated { $0.patch(Int32(-1), at: 23) }
        #expect(validation(bytes).failure?.kind == .invalidOffsetRange(lastOffsetDelta: -1))
        #expect(validation(bytes, origin: .replication).failure?.kind == .invalidOffsetRange(lastOffsetDelta: -1))
    }

    @Test func clientsMayNotWriteControlBatches() {
        let bytes = mutated { $0.patch(Int16(0x20), at: 21) }
        #expect(validation(bytes).failure?.kind == .controlBatchFromClient)
        #expect(validation(bytes, origin: .coordinator).success != nil)
    }

    @Test func idempotentBatchesNeedASequence() throws {
        let bytes = mutated {
            $0.patch(Int64(99), at: 43)
            $0.patch(Int16(0), at: 51)
            $0.patch(Int32(-1), at: 53)
        }
        #expect(validation(bytes).failure?.kind == .invalidSequence(producerId: 99, baseSequence: -1))
        #expect(try validation(BatchFixture.named("idempotent").bytes).get().batchCount == 1)
    }

    @Test func producersMayNotSetLogAppendTime() {
        let stamped = BatchFixture.named("log_append_time").bytes
        let error = validation(stamped).failure
        #expect(error?.kind == .logAppendTimeFromProducer)
        #expect(error?.errorCode == .invalidTimestamp)
        #expect(validation(stamped, origin: .coordinator).failure?.kind == .logAppendTimeFromProducer)
        let stampedTime = BatchFixture.named("log_append_time").maxTimestamp
        #expect(validation(stamped, origin: .replication).success?.maxTimestamp == stampedTime)
    }

    @Test func transactionalBatchesAreAccepted() throws {
        let summary = try validation(BatchFixture.named("transactional").bytes).get()
        #expect(summary.sourceCompression == .gzip)
    }
}
