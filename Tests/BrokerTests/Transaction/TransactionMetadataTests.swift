import KafkaProtocol
import Testing

@testable import Broker

/// Kafka 2.8's transaction coordinator rules (`TransactionCoordinator`, `TransactionMetadata`), one line per
/// transition, with no ZooKeeper: each helper prepares a transition and, when it writes, completes it.
@Suite struct TransactionMetadataTests {
    static let now: Int64 = 1_000_000
    static let tp0 = TopicPartition("t", 0)
    static let tp1 = TopicPartition("t", 1)

    static func metadata(
        _ state: TransactionState, producerId: Int64 = 7, epoch: Int16 = 3, lastEpoch: Int16 = -1,
        partitions: Set<TopicPartition> = [tp0], startMs: Int64 = 1_000, updateMs: Int64 = 1_000
    ) -> TransactionMetadata {
        let open = [.ongoing, .prepareCommit, .prepareAbort].contains(state)
        return TransactionMetadata(
            transactionalId: "tx", producerId: producerId, lastProducerId: producerId, producerEpoch: epoch,
            lastProducerEpoch: lastEpoch, txnTimeoutMs: 60_000, state: state, partitions: open ? partitions : [],
            txnStartTimestampMs: state == .empty ? -1 : startMs, txnLastUpdateTimestampMs: updateMs)
    }

    /// InitProducerId's decision, and the metadata after completing a write.
    static func initPid(
        _ m: TransactionMetadata, expected: (Int64, Int16)? = nil, fresh: Int64? = nil
    ) -> (InitProducerIdDecision, TransactionMetadata) {
        var m = m
        let decision = m.prepareInitProducerId(
            transactionTimeoutMs: 30_000, expected: expected.map { (producerId: $0.0, epoch: $0.1) }, freshProducerId: fresh,
            nowMs: now)
        if case .write(let transit) = decision { m.complete(transit) }
        return (decision, m)
    }

    static func add(_ m: TransactionMetadata, _ partitions: Set<TopicPartition>, groups: Set<String> = [], pid: Int64 = 7, epoch: Int16 = 3)
        -> (ErrorCode, TransactionMetadata)
    {
        var m = m
        switch m.prepareAdd(producerId: pid, producerEpoch: epoch, partitions: partitions, groups: groups, nowMs: now) {
        case .answer(let error): return (error, m)
        case .write(let transit): m.complete(transit); return (.noError, m)
        }
    }

    static func end(_ m: TransactionMetadata, commit: Bool, pid: Int64 = 7, epoch: Int16 = 3, fromClient: Bool = true)
        -> (ErrorCode, TransactionMetadata)
    {
        var m = m
        switch m.prepareEndTransaction(producerId: pid, producerEpoch: epoch, commit: commit, isFromClient: fromClient, nowMs: now) {
        case .answer(let error): return (error, m)
        case .write(let transit): m.complete(transit); return (.noError, m)
        }
    }

    static func completed(_ m: TransactionMetadata) -> TransactionMetadata? {
        var m = m
        guard let transit = m.prepareComplete(nowMs: now + 1) else { return nil }
        m.complete(transit)
        return m
    }

    static func written(_ decision: InitProducerIdDecision) -> TransactionTransit? {
        if case .write(let transit) = decision { return transit }
        return nil
    }

    // MARK: InitProducerId

    @Test func aNewIdGetsEpochZero() {
        let (decision, after) = Self.initPid(Self.metadata(.empty, epoch: -1))
        #expect(Self.written(decision)?.producerEpoch == 0 && after.state == .empty && after.producerId == 7)
    }
    @Test func initBumpsTheEpochAfterACompletedTransaction() { #expect(Self.initPid(Self.metadata(.completeCommit)).1.producerEpoch == 4) }
    @Test func initBumpsTheEpochOfAnEmptyId() { #expect(Self.initPid(Self.metadata(.empty)).1.producerEpoch == 4) }
    @Test func initWithoutExpectationForgetsTheLastEpoch() { #expect(Self.initPid(Self.metadata(.empty)).1.lastProducerEpoch == -1) }
    @Test func initWhilePreparingCommitIsConcurrent() { #expect(Self.initPid(Self.metadata(.prepareCommit)).0 == .fail(.concurrentTransactions)) }
    @Test func initWhilePreparingAbortIsConcurrent() { #expect(Self.initPid(Self.metadata(.prepareAbort)).0 == .fail(.concurrentTransactions)) }
    @Test func initWhilePendingIsConcurrent() {
        var m = Self.metadata(.ongoing)
        _ = m.prepareFenceProducerEpoch()
        #expect(Self.initPid(m).0 == .fail(.concurrentTransactions))
    }
    @Test func initOnAnOngoingTransactionFencesWithTheNextEpoch() {
        guard case .fenceAndAbort(let fence) = Self.initPid(Self.metadata(.ongoing)).0 else { Issue.record("no fence"); return }
        #expect(fence.state == .prepareEpochFence && fence.producerEpoch == 4 && fence.partitions == [Self.tp0])
    }
    @Test func anExhaustedEpochNeedsANewProducerId() { #expect(Self.initPid(Self.metadata(.empty, epoch: Int16.max - 1)).0 == .needsProducerId) }
    @Test func aNewProducerIdStartsAtEpochZero() {
        let (_, after) = Self.initPid(Self.metadata(.completeAbort, epoch: Int16.max - 1), fresh: 99)
        #expect(after.producerId == 99 && after.producerEpoch == 0 && after.lastProducerId == 7 && after.lastProducerEpoch == -1)
    }
    @Test func aRecoveringProducerKeepsItsLastEpochAcrossRotation() {
        let (_, after) = Self.initPid(Self.metadata(.empty, epoch: Int16.max - 1), expected: (7, Int16.max - 1), fresh: 99)
        #expect(after.producerId == 99 && after.lastProducerEpoch == Int16.max - 1)
    }
    @Test func kip360ExpectedEpochBumpsAndRemembersTheLast() {
        let after = Self.initPid(Self.metadata(.completeCommit), expected: (7, 3)).1
        #expect(after.producerEpoch == 4 && after.lastProducerEpoch == 3)
    }
    @Test func kip360RetryOfABumpAnswersTheSameEpoch() {
        #expect(Self.initPid(Self.metadata(.empty, epoch: 4, lastEpoch: 3), expected: (7, 3)).1.producerEpoch == 4)
    }
    @Test func kip360StaleEpochIsFenced() { #expect(Self.initPid(Self.metadata(.empty, epoch: 5, lastEpoch: 4), expected: (7, 2)).0 == .fail(.producerFenced)) }
    @Test func kip360OtherProducerIdIsFenced() { #expect(Self.initPid(Self.metadata(.empty), expected: (8, 3)).0 == .fail(.producerFenced)) }
    @Test func kip360AnyExpectationPassesOnAFreshId() { #expect(Self.initPid(Self.metadata(.empty, epoch: -1), expected: (8, 3)).1.producerEpoch == 0) }

    // MARK: AddPartitionsToTxn, AddOffsetsToTxn

    @Test func addingOpensATransaction() {
        let (error, after) = Self.add(Self.metadata(.empty), [Self.tp0])
        #expect(error == .noError && after.state == .ongoing && after.txnStartTimestampMs == Self.now && after.partitions == [Self.tp0])
    }
    @Test func addingAfterACommitOpensANewTransaction() { #expect(Self.add(Self.metadata(.completeCommit), [Self.tp1]).1.txnStartTimestampMs == Self.now) }
    @Test func addingToAnOpenTransactionKeepsItsStart() {
        let after = Self.add(Self.metadata(.ongoing), [Self.tp1]).1
        #expect(after.txnStartTimestampMs == 1_000 && after.partitions == [Self.tp0, Self.tp1])
    }
    @Test func addingKnownPartitionsAnswersAtOnce() {
        var m = Self.metadata(.ongoing)
        #expect(m.prepareAdd(producerId: 7, producerEpoch: 3, partitions: [Self.tp0], nowMs: Self.now) == .answer(.noError))
    }
    @Test func addingAGroupRecordsIt() { #expect(Self.add(Self.metadata(.ongoing), [], groups: ["g"]).1.groups == ["g"]) }
    @Test func addingWithAnotherProducerIdIsAMappingError() { #expect(Self.add(Self.metadata(.ongoing), [Self.tp1], pid: 8).0 == .invalidProducerIdMapping) }
    @Test func addingWithAnOlderEpochIsFenced() { #expect(Self.add(Self.metadata(.ongoing), [Self.tp1], epoch: 2).0 == .producerFenced) }
    @Test func addingWhilePreparingCommitIsConcurrent() { #expect(Self.add(Self.metadata(.prepareCommit), [Self.tp1]).0 == .concurrentTransactions) }
    @Test func addingWhilePreparingAbortIsConcurrent() { #expect(Self.add(Self.metadata(.prepareAbort), [Self.tp1]).0 == .concurrentTransactions) }
    @Test func addingWhileMarkersAreWrittenIsConcurrent() {
        var m = Self.metadata(.prepareCommit)
        _ = m.prepareComplete(nowMs: Self.now)
        #expect(Self.add(m, [Self.tp1]).0 == .concurrentTransactions)
    }

    // MARK: EndTxn

    @Test func commitPrepares() { #expect(Self.end(Self.metadata(.ongoing), commit: true).1.state == .prepareCommit) }
    @Test func abortPrepares() { #expect(Self.end(Self.metadata(.ongoing), commit: false).1.state == .prepareAbort) }
    @Test func commitRetriedAfterCompletionSucceeds() { #expect(Self.end(Self.metadata(.completeCommit), commit: true).0 == .noError) }
    @Test func abortRetriedAfterCompletionSucceeds() { #expect(Self.end(Self.metadata(.completeAbort), commit: false).0 == .noError) }
    @Test func abortAfterACommitIsInvalid() { #expect(Self.end(Self.metadata(.completeCommit), commit: false).0 == .invalidTxnState) }
    @Test func commitAfterAnAbortIsInvalid() { #expect(Self.end(Self.metadata(.completeAbort), commit: true).0 == .invalidTxnState) }
    @Test func commitRetriedWhilePreparingIsConcurrent() { #expect(Self.end(Self.metadata(.prepareCommit), commit: true).0 == .concurrentTransactions) }
    @Test func abortWhilePreparingCommitIsInvalid() { #expect(Self.end(Self.metadata(.prepareCommit), commit: false).0 == .invalidTxnState) }
    @Test func abortRetriedWhilePreparingIsConcurrent() { #expect(Self.end(Self.metadata(.prepareAbort), commit: false).0 == .concurrentTransactions) }
    @Test func commitWhilePreparingAbortIsInvalid() { #expect(Self.end(Self.metadata(.prepareAbort), commit: true).0 == .invalidTxnState) }
    @Test func endingWithNoTransactionIsInvalid() { #expect(Self.end(Self.metadata(.empty), commit: true).0 == .invalidTxnState) }
    @Test func endingWithAnotherProducerIdIsAMappingError() { #expect(Self.end(Self.metadata(.ongoing), commit: true, pid: 8).0 == .invalidProducerIdMapping) }
    @Test func endingWithAnOlderEpochIsFenced() { #expect(Self.end(Self.metadata(.ongoing), commit: true, epoch: 2).0 == .producerFenced) }
    @Test func aClientEndingWithANewerEpochIsFenced() { #expect(Self.end(Self.metadata(.ongoing), commit: true, epoch: 4).0 == .producerFenced) }
    @Test func endingWhileMarkersAreWrittenIsConcurrent() {
        var m = Self.metadata(.prepareCommit)
        _ = m.prepareComplete(nowMs: Self.now)
        #expect(Self.end(m, commit: false).0 == .concurrentTransactions)
    }
    @Test func theEpochFenceBecomesAnAbortWithTheBumpedEpoch() {
        var m = Self.metadata(.ongoing)
        let fence = m.prepareFenceProducerEpoch()!
        let (error, after) = Self.end(m, commit: false, epoch: fence.producerEpoch, fromClient: false)
        #expect(error == .noError && after.state == .prepareAbort && after.producerEpoch == 4 && after.lastProducerEpoch == -1)
    }

    // MARK: markers, timeouts, expiration

    @Test func markersNameThePartitionsAndGroups() {
        let m = Self.add(Self.metadata(.ongoing), [Self.tp1], groups: ["g"]).1
        let markers = Self.end(m, commit: true).1.markers(coordinatorEpoch: 5)
        #expect(markers == TransactionMarkers(
            transactionalId: "tx", producerId: 7, producerEpoch: 3, coordinatorEpoch: 5, commit: true,
            partitions: [Self.tp0, Self.tp1], groups: ["g"]))
    }
    @Test func noMarkersOutsidePrepare() { #expect(Self.metadata(.ongoing).markers(coordinatorEpoch: 1) == nil) }
    @Test func markersWrittenCompleteTheCommit() {
        let after = Self.completed(Self.metadata(.prepareCommit))
        #expect(after?.state == .completeCommit && after?.partitions == [] && after?.groups == [])
    }
    @Test func markersWrittenCompleteTheAbort() { #expect(Self.completed(Self.metadata(.prepareAbort))?.state == .completeAbort) }
    @Test func onlyPrepareCompletes() { #expect(Self.completed(Self.metadata(.ongoing)) == nil) }
    @Test func anOngoingTransactionPastItsTimeoutTimesOut() { #expect(Self.metadata(.ongoing, startMs: 1_000).isTimedOut(nowMs: 61_001)) }
    @Test func anOngoingTransactionWithinItsTimeoutDoesNot() { #expect(!Self.metadata(.ongoing, startMs: 1_000).isTimedOut(nowMs: 61_000)) }
    @Test func onlyOngoingTimesOut() { #expect(!Self.metadata(.prepareCommit, startMs: 0).isTimedOut(nowMs: Self.now)) }
    @Test func aStartTimeFromTheFarFutureNeitherTimesOutNorTraps() { #expect(!Self.metadata(.ongoing, startMs: .max).isTimedOut(nowMs: Self.now)) }
    @Test func anIdleCompletedIdExpires() { #expect(Self.metadata(.completeCommit, updateMs: 1_000).shouldExpire(nowMs: 11_000, expirationMs: 10_000)) }
    @Test func aRecentlyUpdatedIdDoesNotExpire() { #expect(!Self.metadata(.empty, updateMs: 1_001).shouldExpire(nowMs: 11_000, expirationMs: 10_000)) }
    @Test func anOpenTransactionNeverExpires() { #expect(!Self.metadata(.ongoing, updateMs: 0).shouldExpire(nowMs: Self.now, expirationMs: 1)) }
    @Test func expirationMovesToDead() {
        var m = Self.metadata(.completeAbort)
        #expect(m.prepareDead()?.state == .dead)
    }
}
