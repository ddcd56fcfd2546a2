import Coordination
import Testing

@testable import Broker

/// KIP-101/279's truncation rule, one line per case: (leader's answer, follower's epochs) -> offset, completed.
@Suite("Truncation by leader epoch")
struct EpochTruncationTests {
    /// A follower whose epochs are 1 from 0, 3 from 10 and 5 from 20, log end 30.
    private func decide(leaderEpoch: Int32, leaderEnd: Int64, logEnd: Int64 = 30) -> EpochTruncation {
        let starts: [(Int32, Int64)] = [(1, 0), (3, 10), (5, 20)]
        return EpochTruncation.decide(leaderEpoch: leaderEpoch, leaderEndOffset: leaderEnd, logEndOffset: logEnd) { epoch in
            guard let index = starts.lastIndex(where: { $0.0 <= epoch }) else { return nil }
            let end = index + 1 < starts.count ? starts[index + 1].1 : logEnd
            return (starts[index].0, end)
        }
    }

    @Test func sameLatestEpochKeepsEverythingTheLeaderHas() {
        #expect(decide(leaderEpoch: 5, leaderEnd: 40) == EpochTruncation(offset: 30, completed: true))
        #expect(decide(leaderEpoch: 5, leaderEnd: 25) == EpochTruncation(offset: 25, completed: true))
    }

    @Test func anOlderSharedEpochCutsWhereTheLeaderEndedIt() {
        #expect(decide(leaderEpoch: 3, leaderEnd: 15) == EpochTruncation(offset: 15, completed: true))
        #expect(decide(leaderEpoch: 3, leaderEnd: 22) == EpochTruncation(offset: 20, completed: true))
    }

    @Test func anEpochTheFollowerNeverHadCutsToItsLargestBelowAndAsksAgain() {
        #expect(decide(leaderEpoch: 4, leaderEnd: 18) == EpochTruncation(offset: 20, completed: false))
        #expect(decide(leaderEpoch: 2, leaderEnd: 12) == EpochTruncation(offset: 10, completed: false))
    }

    @Test func anEpochOlderThanAllTheFollowerTracksUsesTheLeadersEnd() {
        #expect(decide(leaderEpoch: 0, leaderEnd: 7) == EpochTruncation(offset: 7, completed: true))
    }

    @Test func anUndefinedAnswerTruncatesNothing() {
        #expect(decide(leaderEpoch: -1, leaderEnd: -1) == EpochTruncation(offset: 30, completed: true))
    }

    @Test func aVersion0AnswerWithoutEpochUsesTheLeadersEnd() {
        #expect(decide(leaderEpoch: -1, leaderEnd: 12) == EpochTruncation(offset: 12, completed: true))
    }

    @Test func neverAboveTheLogEnd() {
        #expect(decide(leaderEpoch: 5, leaderEnd: 100, logEnd: 30).offset == 30)
    }

    @Test func theEpochBumpRule() {
        let base = PartitionState(
            topic: "t", partition: 0, controllerEpoch: 1, leader: 2, leaderEpoch: 7, isr: [2, 1], zkVersion: 0, replicas: [2, 1], isNew: false)
        var next = base
        next.leaderEpoch = 8
        #expect(ReplicaManager.isEpochBumpOnly(from: base, to: next))
        next.leaderEpoch = 9
        #expect(!ReplicaManager.isEpochBumpOnly(from: base, to: next))
        next.leaderEpoch = 8
        next.leader = 3
        #expect(!ReplicaManager.isEpochBumpOnly(from: base, to: next))
    }
}
