import Testing

@testable import Broker

/// Kafka's transaction state machine (`TransactionMetadata.validPreviousStates`), one line per rule.
@Suite struct TransactionStateTests {
    typealias S = TransactionState

    @Test func aTransactionBeginsFromNoOpenTransaction() {
        #expect(S.empty.canTransition(to: .ongoing))
        #expect(S.completeCommit.canTransition(to: .ongoing))
        #expect(S.completeAbort.canTransition(to: .ongoing))
        #expect(S.ongoing.canTransition(to: .ongoing))  // more partitions added
        #expect(!S.prepareCommit.canTransition(to: .ongoing))
        #expect(!S.prepareAbort.canTransition(to: .ongoing))
        #expect(!S.dead.canTransition(to: .ongoing))
    }

    @Test func onlyAnOngoingTransactionPrepares() {
        #expect(S.ongoing.canTransition(to: .prepareCommit))
        #expect(S.ongoing.canTransition(to: .prepareAbort))
        #expect(!S.empty.canTransition(to: .prepareCommit))
        #expect(!S.prepareAbort.canTransition(to: .prepareCommit))
        #expect(!S.completeCommit.canTransition(to: .prepareAbort))
    }

    @Test func completionFollowsItsOwnPreparation() {
        #expect(S.prepareCommit.canTransition(to: .completeCommit))
        #expect(S.prepareAbort.canTransition(to: .completeAbort))
        #expect(!S.prepareCommit.canTransition(to: .completeAbort))
        #expect(!S.prepareAbort.canTransition(to: .completeCommit))
        #expect(!S.ongoing.canTransition(to: .completeCommit))
    }

    @Test func fencingAnOpenTransactionAbortsIt() {
        #expect(S.ongoing.canTransition(to: .prepareEpochFence))
        #expect(S.prepareEpochFence.canTransition(to: .prepareAbort))
        #expect(!S.prepareEpochFence.canTransition(to: .prepareCommit))
        #expect(!S.empty.canTransition(to: .prepareEpochFence))
    }

    @Test func onlyIdleIdsExpireAndDeadIsFinal() {
        #expect(S.allCases.filter(\.isExpirationAllowed) == [.empty, .completeCommit, .completeAbort])
        #expect(S.allCases.filter { $0.canTransition(to: .dead) } == [.empty, .completeCommit, .completeAbort])
        #expect(S.allCases.filter { S.dead.canTransition(to: $0) }.isEmpty)
    }

    @Test func kafkasStoredBytesAndNames() {
        #expect(S.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(S(rawValue: 7)?.name == "PrepareEpochFence")
        #expect(S(rawValue: 8) == nil)
    }
}
