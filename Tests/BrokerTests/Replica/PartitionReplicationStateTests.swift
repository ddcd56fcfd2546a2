import Coordination
import Testing

@testable import Broker

/// The high watermark and ISR arithmetic of a partition, one transition per step, with no log and no clock: broker 1
/// leads, 2 and 3 follow.
@Suite struct PartitionReplicationStateTests {
    static func leaderState(
        leader: Int32 = 1, epoch: Int32 = 0, isr: [Int32] = [1, 2, 3], replicas: [Int32] = [1, 2, 3], zkVersion: Int32 = 0
    ) -> PartitionState {
        PartitionState(
            topic: "t", partition: 0,
            controllerEpoch: 1, leader: leader, leaderEpoch: epoch, isr: isr, zkVersion: zkVersion, replicas: replicas,
            isNew: false)
    }

    static func leader(isr: [Int32] = [1, 2, 3], logEnd: Int64 = 10, highWatermark: Int64 = 0, nowMs: Int64 = 0)
        -> PartitionReplicationState
    {
        PartitionReplicationState(
            localBrokerId: 1, leaderState: leaderState(isr: isr), highWatermark: highWatermark, logEndOffset: logEnd,
            nowMs: nowMs)
    }

    @Test func aLeaderAloneInItsIsrHasItsLogEndAsHighWatermark() {
        var state = Self.leader(isr: [1], logEnd: 10)
        #expect(state.highWatermark == 10)
        let moved = state.maybeIncrementHighWatermark(leaderLogEndOffset: 12)
        #expect(moved)
        #expect(state.highWatermark == 12)
    }

    @Test func theHighWatermarkIsTheSmallestLogEndOverTheIsrAndOnlyMovesForward() {
        var state = Self.leader(logEnd: 10, highWatermark: 4)
        // Followers' log ends are unknown until they fetch: the checkpointed high watermark stays.
        #expect(state.highWatermark == 4)
        var outcome = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 8, leaderLogEndOffset: 10, nowMs: 1)
        #expect(outcome == .init(recognized: true, highWatermarkIncreased: false))
        outcome = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 6, leaderLogEndOffset: 10, nowMs: 1)
        #expect(outcome.highWatermarkIncreased)
        #expect(state.highWatermark == 6)
        _ = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 2)
        #expect(state.highWatermark == 8)
        // A follower going back (it truncated) does not take the high watermark with it.
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 5, leaderLogEndOffset: 10, nowMs: 3)
        #expect(state.highWatermark == 8)
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 4)
        #expect(state.highWatermark == 10)
    }

    @Test func theLowWatermarkIsTheLowestLogStartOfTheLeaderAndItsLiveFollowers() {
        var state = Self.leader(logEnd: 10, highWatermark: 10)
        let everyone: (Int32) -> Bool = { _ in true }
        // A follower that has not fetched counts as -1: DeleteRecords waits for it.
        #expect(state.lowWatermark(leaderLogStartOffset: 5, isAlive: everyone) == -1)
        var outcome = state.updateFollowerFetchState(
            replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 1, followerLogStartOffset: 5)
        #expect(outcome.logStartOffsetChanged)
        outcome = state.updateFollowerFetchState(
            replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 1, followerLogStartOffset: 2)
        #expect(state.lowWatermark(leaderLogStartOffset: 5, isAlive: everyone) == 2)
        // A dead broker's replica does not hold it back.
        #expect(state.lowWatermark(leaderLogStartOffset: 5, isAlive: { $0 != 3 }) == 5)
        outcome = state.updateFollowerFetchState(
            replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 2, followerLogStartOffset: 5)
        #expect(outcome.logStartOffsetChanged)
        #expect(state.lowWatermark(leaderLogStartOffset: 5, isAlive: everyone) == 5)
        outcome = state.updateFollowerFetchState(
            replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 3, followerLogStartOffset: 5)
        #expect(!outcome.logStartOffsetChanged)
    }

    @Test func aFollowerOutsideTheIsrDoesNotHoldTheHighWatermarkBack() {
        var state = Self.leader(isr: [1, 2], logEnd: 10)
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 1)
        #expect(state.highWatermark == 10)
    }

    @Test func aBrokerThatIsNotAReplicaIsNotRecognized() {
        var state = Self.leader()
        let stranger = state.updateFollowerFetchState(replicaId: 7, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 1)
        #expect(stranger.recognized == false)
        var follower = PartitionReplicationState(
            localBrokerId: 2, leaderState: Self.leaderState(), highWatermark: 0, logEndOffset: 0, nowMs: 0)
        let notLeading = follower.updateFollowerFetchState(replicaId: 3, fetchOffset: 0, leaderLogEndOffset: 0, nowMs: 1)
        #expect(notLeading.recognized == false)
    }

    @Test func aFollowersHighWatermarkIsTheLeadersAsFarAsItsLogReaches() {
        var state = PartitionReplicationState(
            localBrokerId: 2, leaderState: Self.leaderState(), highWatermark: 0, logEndOffset: 0, nowMs: 0)
        state.updateFollowerHighWatermark(leaderHighWatermark: 10, logStartOffset: 0, logEndOffset: 7)
        #expect(state.highWatermark == 7)
        state.updateFollowerHighWatermark(leaderHighWatermark: 5, logStartOffset: 0, logEndOffset: 7)
        #expect(state.highWatermark == 5)
        state.boundHighWatermark(logStartOffset: 0, logEndOffset: 3)
        #expect(state.highWatermark == 3)
    }

    @Test func aFollowerCatchingUpToTheHighWatermarkAndTheEpochStartRejoinsTheIsr() throws {
        var state = Self.leader(isr: [1, 2], logEnd: 10)
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 12, nowMs: 1)
        #expect(state.highWatermark == 10)
        // Broker 3 is behind the high watermark: not yet.
        var outcome = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 9, leaderLogEndOffset: 12, nowMs: 1)
        #expect(outcome.isrExpansion == nil)
        outcome = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 12, nowMs: 2)
        let change = try #require(outcome.isrExpansion)
        #expect(change == IsrChange(leader: 1, leaderEpoch: 0, controllerEpoch: 1, zkVersion: 0, previousIsr: [1, 2], isr: [1, 2, 3]))
        // While the change is written, the new member already counts for the high watermark.
        #expect(state.maximalIsr == [1, 2, 3])
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 12, leaderLogEndOffset: 12, nowMs: 3)
        #expect(state.highWatermark == 10)
        let applied = state.completeIsrChange(change, newZkVersion: 1, leaderLogEndOffset: 12)
        #expect(applied)
        #expect(state.isr == [1, 2, 3])
        #expect(state.leaderState.zkVersion == 1)
    }

    @Test func followersBehindForLongerThanTheMaxLagLeaveTheIsr() {
        var state = Self.leader(logEnd: 10, nowMs: 0)
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 100)
        let atLogEnd = state.maybeShrinkIsr(leaderLogEndOffset: 10, nowMs: 1000, maxLagMs: 1000)
        #expect(atLogEnd == nil)
        // Broker 2 keeps fetching to the end; broker 3 was last caught up when the leadership began (at 0).
        let change = state.maybeShrinkIsr(leaderLogEndOffset: 12, nowMs: 1001, maxLagMs: 1000)
        #expect(change?.isr == [1, 2])
        // One change at a time.
        let secondChange = state.maybeShrinkIsr(leaderLogEndOffset: 12, nowMs: 5000, maxLagMs: 1000)
        #expect(secondChange == nil)
        let applied = state.completeIsrChange(change!, newZkVersion: 4, leaderLogEndOffset: 12)
        #expect(applied)
        #expect(state.isr == [1, 2])
        // Without broker 3 the high watermark follows broker 2 alone.
        #expect(state.highWatermark == 10)
    }

    @Test func aFollowerAtTheLeadersLogEndIsInSyncHoweverLongAgoItFetched() {
        var state = Self.leader(logEnd: 10, nowMs: 0)
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 0)
        _ = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 0)
        let shrunk = state.maybeShrinkIsr(leaderLogEndOffset: 10, nowMs: 60_000, maxLagMs: 1000)
        #expect(shrunk == nil)
    }

    @Test func aFollowerThatFetchedWhatWasThereAtItsPreviousFetchWasCaughtUpThen() {
        var state = Self.leader(logEnd: 10, nowMs: 0)
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 20, nowMs: 900)
        _ = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 20, leaderLogEndOffset: 20, nowMs: 900)
        // At 1500 broker 2 fetches from 20, the leader's end at its previous fetch (at 900), while the leader is at 25.
        _ = state.updateFollowerFetchState(replicaId: 2, fetchOffset: 20, leaderLogEndOffset: 25, nowMs: 1500)
        _ = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 25, leaderLogEndOffset: 25, nowMs: 1500)
        let atTheLimit = state.maybeShrinkIsr(leaderLogEndOffset: 25, nowMs: 1900, maxLagMs: 1000)
        #expect(atTheLimit == nil)
        let pastTheLimit = state.maybeShrinkIsr(leaderLogEndOffset: 25, nowMs: 1901, maxLagMs: 1000)
        #expect(pastTheLimit?.isr == [1, 3])
    }

    @Test func aFailedOrOvertakenIsrChangeIsDropped() throws {
        var state = Self.leader(logEnd: 10, nowMs: 0)
        let first = state.maybeShrinkIsr(leaderLogEndOffset: 10, nowMs: 5000, maxLagMs: 1000)
        let change = try #require(first)
        #expect(change.isr == [1])
        let applied = state.completeIsrChange(change, newZkVersion: nil, leaderLogEndOffset: 10)
        #expect(!applied)
        #expect(state.isr == [1, 2, 3])
        #expect(state.pendingIsrChange == nil)

        let second = state.maybeShrinkIsr(leaderLogEndOffset: 10, nowMs: 5000, maxLagMs: 1000)
        let again = try #require(second)
        // The controller elects anew meanwhile (leader epoch 1): the leader's own change no longer applies.
        let election = state.apply(Self.leaderState(epoch: 1, isr: [1, 2], zkVersion: 3), logEndOffset: 10, nowMs: 5000)
        #expect(election == .newLeaderEpoch)
        let appliedLate = state.completeIsrChange(again, newZkVersion: 1, leaderLogEndOffset: 10)
        #expect(!appliedLate)
        #expect(state.isr == [1, 2])
        #expect(state.leaderState.zkVersion == 3)
    }

    @Test func leaderAndIsrStatesAreTakenByLeaderEpoch() {
        var state = Self.leader(logEnd: 10, nowMs: 0)
        let newer = state.apply(Self.leaderState(epoch: 2), logEndOffset: 10, nowMs: 0)
        #expect(newer == .newLeaderEpoch)
        let older = state.apply(Self.leaderState(epoch: 1), logEndOffset: 10, nowMs: 0)
        #expect(older == .stale)
        // The same epoch again (a new controller re-sending): only a newer znode version's ISR is taken.
        let newerZnode = state.apply(Self.leaderState(epoch: 2, isr: [1, 2], zkVersion: 5), logEndOffset: 10, nowMs: 0)
        #expect(newerZnode == .sameLeaderEpoch)
        #expect(state.isr == [1, 2])
        let olderZnode = state.apply(Self.leaderState(epoch: 2, isr: [1], zkVersion: 4), logEndOffset: 10, nowMs: 0)
        #expect(olderZnode == .sameLeaderEpoch)
        #expect(state.isr == [1, 2])
    }

    @Test func aNewLeaderKnowsNoFollowerLogEndAndCountsTheIsrAsCaughtUp() {
        var state = PartitionReplicationState(
            localBrokerId: 1, leaderState: Self.leaderState(leader: 2), highWatermark: 5, logEndOffset: 10, nowMs: 0)
        #expect(!state.isLeader)
        #expect(state.followers.isEmpty)
        let election = state.apply(Self.leaderState(leader: 1, epoch: 1, isr: [1, 3]), logEndOffset: 10, nowMs: 7000)
        #expect(election == .newLeaderEpoch)
        #expect(state.highWatermark == 5)
        #expect(state.leaderEpochStartOffset == 10)
        #expect(state.followers[2]?.logEndOffset == -1)
        #expect(state.followers[3]?.lastCaughtUpTimeMs == 7000)
        #expect(state.followers[2]?.lastCaughtUpTimeMs == nil)
        // Broker 3 (in the ISR) catching up moves the high watermark past what the old leader had committed.
        _ = state.updateFollowerFetchState(replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, nowMs: 7100)
        #expect(state.highWatermark == 10)
    }
}
