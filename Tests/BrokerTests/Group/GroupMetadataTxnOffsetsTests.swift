import Coordination
import KafkaProtocol
import Testing

@testable import Broker

/// Offsets committed inside transactions, one rule per line: pending until the marker, invisible to OffsetFetch,
/// and a commit marker that loses to a newer plain commit (Kafka's `completePendingTxnOffsetCommit`).
@Suite struct GroupMetadataTxnOffsetsTests {
    static let p0 = TopicPartition("t", 0)
    static let p1 = TopicPartition("t", 1)

    static func offset(_ value: Int64) -> OffsetAndMetadata { OffsetAndMetadata(offset: value, commitTimestampMs: 1) }

    static func txn(
        _ offsets: [TopicPartition: Int64], producerId: Int64 = 7, epoch: Int16 = 0, member: String = "", generation: Int32 = -1,
        instance: String? = nil
    ) -> GroupMetadata.TxnCommitParameters {
        .init(
            transactionalId: "app", producerId: producerId, producerEpoch: epoch, memberId: member, groupInstanceId: instance,
            generationId: generation, offsets: offsets.mapValues(offset))
    }

    static func group() -> GroupMetadata { GroupMetadata(groupId: "g", config: GroupConfig(), nowMs: 0) }

    /// Prepares and writes a TxnOffsetCommit successfully.
    static func commitTxn(_ group: inout GroupMetadata, _ request: GroupMetadata.TxnCommitParameters) {
        guard case .write(_, let previous) = group.prepareTxnOffsetCommit(request) else {
            Issue.record("refused")
            return
        }
        group.txnOffsetsWritten(request, previous: previous, error: .noError)
    }

    /// Commits plain offsets the way a successful OffsetCommit does.
    static func commitPlain(_ group: inout GroupMetadata, _ offsets: [TopicPartition: Int64]) {
        let id = GroupRequestID(rawValue: 1)
        _ = group.commitOffsets(.init(memberId: "", generationId: -1, offsets: offsets.mapValues(offset)), id: id, nowMs: 0)
        _ = group.offsetsStored(id, error: .noError)
    }

    @Test func aTxnCommitIsPendingAndInvisibleToOffsetFetch() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5]))
        #expect(group.committedOffsets(nil).isEmpty)
        #expect(group.hasPendingOffsetCommits(fromProducer: 7))
        #expect(group.hasUnstableOffset(for: Self.p0) && !group.hasUnstableOffset(for: Self.p1))
    }

    @Test func theWriteAsksForTheWholeMergedTransaction() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5, Self.p1: 1]))
        let decision = group.prepareTxnOffsetCommit(Self.txn([Self.p0: 6], epoch: 1))
        guard case .write(let stored, _) = decision else { Issue.record("refused"); return }
        #expect(stored == PendingTransactionalOffsets(
            transactionalId: "app", producerEpoch: 1, offsets: [Self.p0: Self.offset(6), Self.p1: Self.offset(1)]))
    }

    @Test func aFailedWriteRestoresWhatTheTransactionHeldBefore() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5]))
        let request = Self.txn([Self.p0: 6, Self.p1: 1])
        guard case .write(_, let previous) = group.prepareTxnOffsetCommit(request) else { Issue.record("refused"); return }
        group.txnOffsetsWritten(request, previous: previous, error: .coordinatorNotAvailable)
        #expect(group.pendingTransactions[7]?.offsets.mapValues(\.offset.offset) == [Self.p0: 5])
    }

    @Test func aFailedFirstWriteLeavesNothingPending() {
        var group = Self.group()
        let request = Self.txn([Self.p0: 6])
        guard case .write(_, let previous) = group.prepareTxnOffsetCommit(request) else { Issue.record("refused"); return }
        group.txnOffsetsWritten(request, previous: previous, error: .notCoordinator)
        #expect(!group.hasPendingOffsetCommits(fromProducer: 7))
    }

    @Test func theCommitMarkerMakesThePendingOffsetsCommitted() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5]))
        let committed = group.transactionCompletion(producerId: 7, commit: true)
        #expect(committed == [Self.p0: Self.offset(5)])
        group.transactionCompleted(producerId: 7, committed: committed ?? [:])
        #expect(group.committedOffsets(nil) == [Self.p0: Self.offset(5)] && !group.hasPendingOffsetCommits(fromProducer: 7))
    }

    @Test func theAbortMarkerDropsThemAndKeepsTheLastPlainCommit() {
        var group = Self.group()
        Self.commitPlain(&group, [Self.p0: 3])
        Self.commitTxn(&group, Self.txn([Self.p0: 5]))
        #expect(group.transactionCompletion(producerId: 7, commit: false) == [:])
        group.transactionCompleted(producerId: 7, committed: [:])
        #expect(group.committedOffsets(nil) == [Self.p0: Self.offset(3)] && group.pendingTransactions.isEmpty)
    }

    @Test func aMarkerForAProducerWithNothingPendingIsANoOp() {
        #expect(Self.group().transactionCompletion(producerId: 7, commit: true) == nil)
    }

    @Test func aPlainCommitWrittenAfterTheTxnCommitWins() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5, Self.p1: 5]))
        Self.commitPlain(&group, [Self.p0: 9])
        #expect(group.transactionCompletion(producerId: 7, commit: true) == [Self.p1: Self.offset(5)])
    }

    @Test func aTxnCommitWrittenAfterAPlainCommitWins() {
        var group = Self.group()
        Self.commitPlain(&group, [Self.p0: 9])
        Self.commitTxn(&group, Self.txn([Self.p0: 5]))
        #expect(group.transactionCompletion(producerId: 7, commit: true) == [Self.p0: Self.offset(5)])
    }

    @Test func producersArePendingSeparately() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5], producerId: 7))
        Self.commitTxn(&group, Self.txn([Self.p1: 6], producerId: 8))
        group.transactionCompleted(producerId: 7, committed: [:])
        #expect(group.hasUnstableOffset(for: Self.p1) && !group.hasUnstableOffset(for: Self.p0))
    }

    @Test func anOlderProducerEpochIsRefused() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5], epoch: 3))
        #expect(group.prepareTxnOffsetCommit(Self.txn([Self.p0: 6], epoch: 2)) == .reject(.invalidProducerEpoch))
    }

    @Test func anUnknownMemberIdIsRefusedWhenGiven() {
        var group = Self.group()
        #expect(group.prepareTxnOffsetCommit(Self.txn([Self.p0: 5], member: "nobody")) == .reject(.unknownMemberId))
    }

    @Test func aWrongGenerationIsRefusedWhenGiven() {
        var group = Self.group()
        #expect(group.prepareTxnOffsetCommit(Self.txn([Self.p0: 5], generation: 4)) == .reject(.illegalGeneration))
    }

    @Test func aFencedStaticMemberIsRefused() {
        var group = GroupMetadataTests.stableGroup()
        group.add(MemberMetadata(
            memberId: "c", groupInstanceId: "i-1", clientId: "client", clientHost: "/127.0.0.1", rebalanceTimeoutMs: 30_000,
            sessionTimeoutMs: 10_000, protocolType: "consumer", protocols: [.init(name: "range", metadata: [1])]))
        #expect(group.prepareTxnOffsetCommit(Self.txn([Self.p0: 5], member: "old", instance: "i-1")) == .reject(.fencedInstanceId))
    }

    @Test func aMemberOfTheCurrentGenerationMayCommit() {
        var group = GroupMetadataTests.stableGroup()
        guard case .write = group.prepareTxnOffsetCommit(Self.txn([Self.p0: 5], member: "a", generation: group.generationId)) else {
            Issue.record("refused")
            return
        }
    }

    @Test func aDeadGroupRefusesWithCoordinatorNotAvailable() {
        var group = Self.group()
        _ = group.markDeleted(nowMs: 0)
        #expect(group.prepareTxnOffsetCommit(Self.txn([Self.p0: 5])) == .reject(.coordinatorNotAvailable))
    }

    @Test func removingOffsetsAlsoDropsTheirPendingTxnOffsets() {
        var group = Self.group()
        Self.commitTxn(&group, Self.txn([Self.p0: 5, Self.p1: 5]))
        group.removeOffsets([Self.p0])
        #expect(group.pendingTransactions[7]?.offsets.keys.sorted() == [Self.p1])
        group.removeOffsets([Self.p1])
        #expect(group.pendingTransactions.isEmpty)
    }

    @Test func aLoadOrdersByZxid() {
        var group = Self.group()
        group.restore(GroupOffsetsSnapshot(
            offsets: [Self.p0: Self.offset(9), Self.p1: Self.offset(9)], offsetZxids: [Self.p0: 100, Self.p1: 300],
            pendingTransactions: [7: .init(transactionalId: "app", producerEpoch: 0, offsets: [Self.p0: Self.offset(5), Self.p1: Self.offset(5)])],
            pendingTransactionZxids: [7: 200]))
        #expect(group.committedOffsets(nil)[Self.p0] == Self.offset(9))
        #expect(group.transactionCompletion(producerId: 7, commit: true) == [Self.p0: Self.offset(5)])
        Self.commitPlain(&group, [Self.p0: 11])
        #expect(group.commitOrderLast > 300, "the clock goes on past the loaded zxids")
        #expect(group.transactionCompletion(producerId: 7, commit: true) == [:])
    }
}
