@testable import Coordination
import Testing

@Suite("Kafka's leader election rules")
struct PartitionLeaderElectionTests {
    @Test func newPartitionsLeadWithTheFirstLiveReplica() {
        #expect(PartitionLeaderElection.initial(assignment: [2, 0, 1], live: [0, 1, 2]) == LeaderAndIsr(leader: 2, isr: [2, 0, 1]))
        #expect(PartitionLeaderElection.initial(assignment: [2, 0, 1], live: [0, 1]) == LeaderAndIsr(leader: 0, isr: [0, 1]))
        #expect(PartitionLeaderElection.initial(assignment: [2], live: [0, 1]) == nil)
    }

    @Test func offlinePartitionsElectFromTheLiveISRInAssignmentOrder() {
        let current = LeaderAndIsr(leader: 0, leaderEpoch: 4, isr: [1, 2, 0], zkVersion: 9)
        let elected = PartitionLeaderElection.leaderForOffline(current: current, assignment: [0, 2, 1], live: [1, 2], uncleanAllowed: false)
        #expect(elected == LeaderAndIsr(leader: 2, leaderEpoch: 5, isr: [1, 2], zkVersion: 9))
    }

    @Test func withoutALiveISRMemberOnlyUncleanElectionFindsALeader() {
        let current = LeaderAndIsr(leader: -1, leaderEpoch: 2, isr: [2], zkVersion: 3)
        #expect(PartitionLeaderElection.leaderForOffline(current: current, assignment: [1, 2], live: [0, 1], uncleanAllowed: false) == nil)
        #expect(PartitionLeaderElection.leaderForOffline(current: current, assignment: [1, 2], live: [0, 1], uncleanAllowed: true)
            == LeaderAndIsr(leader: 1, leaderEpoch: 3, isr: [1], zkVersion: 3))
        #expect(PartitionLeaderElection.leaderForOffline(current: current, assignment: [1, 2], live: [0], uncleanAllowed: true) == nil)
        #expect(PartitionLeaderElection.needsUncleanElection(isr: [2], live: [0, 1]))
        #expect(!PartitionLeaderElection.needsUncleanElection(isr: [2, 1], live: [0, 1]))
    }

    @Test func anOfflineReplicaLeavesTheISRButNeverEmptiesIt() {
        let state = LeaderAndIsr(leader: 1, leaderEpoch: 0, isr: [1, 2], zkVersion: 0)
        #expect(PartitionLeaderElection.removing(2, from: state) == LeaderAndIsr(leader: 1, leaderEpoch: 1, isr: [1], zkVersion: 0))
        #expect(PartitionLeaderElection.removing(1, from: state) == LeaderAndIsr(leader: -1, leaderEpoch: 1, isr: [2], zkVersion: 0))
        let last = LeaderAndIsr(leader: 2, leaderEpoch: 1, isr: [2], zkVersion: 1)
        #expect(PartitionLeaderElection.removing(2, from: last) == LeaderAndIsr(leader: -1, leaderEpoch: 2, isr: [2], zkVersion: 1))
    }
}
