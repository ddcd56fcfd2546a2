import KafkaProtocol
import Testing
@testable import Coordination

/// Partition reassignment through the controller's state machine, without ZooKeeper.
@Suite("Controller: partition reassignment")
struct ControllerReassignmentTests {
    private let t0 = TopicPartition("t", 0)

    /// Brokers 1-4; t-0 on [1,2,3] led by 1, all in sync.
    private func failedOver() -> ControllerStateMachineDriver {
        var driver = ControllerStateMachineDriver()
        for id: Int32 in 1...4 { driver.addBroker(id) }
        driver.addTopic("t", [[1, 2, 3]])
        driver.setState("t", 0, leader: 1, isr: [1, 2, 3])
        driver.process(.startup)
        _ = driver.take()
        return driver
    }

    private func reply(_ actions: [ControllerAction], _ id: ControllerReplyID) -> ControllerReply? {
        actions.compactMap { if case .reply(id, let reply) = $0 { reply } else { nil } }.first
    }

    /// The leader reports that `isr` is in sync now (its conditional write and notification).
    private func leaderReportsIsr(_ driver: inout ControllerStateMachineDriver, _ isr: [Int32]) {
        var state = driver.states[t0]!
        state.leaderAndIsr.isr = isr
        state.leaderAndIsr.zkVersion += 1
        driver.states[t0] = state
        driver.isrChangeNotifications["isr_change_0000000001"] = IsrChangeNotification.encode([("t", 0)])
        driver.process(.isrChangeNotification)
    }

    @Test func newReplicasCatchUpBeforeOldOnesGo() throws {
        var driver = failedOver()
        driver.process(.alterPartitionReassignments([t0: [2, 3, 4]], reply: 1))
        var actions = driver.take()
        #expect(reply(actions, 1) == .alterPartitionReassignments([t0: .success]))
        // Phase U and A: the full set in ZooKeeper, target first; a new epoch to every replica; 4 starts.
        #expect(driver.topics["t"]?.partitions[0] == PartitionReplicas([2, 3, 4, 1], adding: [4], removing: [1]))
        #expect(driver.state("t", 0) == LeaderAndIsr(leader: 1, leaderEpoch: 1, isr: [1, 2, 3], zkVersion: 1))
        for broker: Int32 in 1...4 {
            #expect(actions.leaderAndIsr(to: broker).contains { $0.replicas == [2, 3, 4, 1] && $0.leaderEpoch == 1 }, "broker \(broker)")
        }
        #expect(actions.leaderAndIsr(to: 4).contains { $0.isNew })
        #expect(actions.stopReplica(to: 1).isEmpty, "nothing is removed before the new replica is in sync")

        driver.process(.listPartitionReassignments(nil, reply: 2))
        #expect(reply(driver.take(), 2) == .listPartitionReassignments([t0: PartitionReplicas([2, 3, 4, 1], adding: [4], removing: [1])]))

        // 4 caught up: phase B. Leadership moves into the target, 1 leaves the ISR and is deleted.
        leaderReportsIsr(&driver, [1, 2, 3, 4])
        actions = driver.take()
        let state = try #require(driver.state("t", 0))
        #expect(state.leader == 2)
        #expect(state.isr == [2, 3, 4])
        #expect(driver.topics["t"]?.partitions[0] == PartitionReplicas([2, 3, 4]))
        #expect(actions.stopReplica(to: 1).contains { $0.delete && $0.partitions == [t0] })
        #expect(actions.leaderAndIsr(to: 2).contains { $0.leader == 2 && $0.replicas == [2, 3, 4] })
        #expect(driver.machine.context.partitionsBeingReassigned.isEmpty)
        #expect(actions.logs(.info).contains("Completed reassignment of partition t-0 to [2,3,4]"))
        driver.process(.listPartitionReassignments(nil, reply: 3))
        #expect(reply(driver.take(), 3) == .listPartitionReassignments([:]))
    }

    @Test func anIncompleteIsrChangeDoesNotComplete() {
        var driver = failedOver()
        driver.process(.alterPartitionReassignments([t0: [2, 3, 4]], reply: 1))
        leaderReportsIsr(&driver, [1, 2])  // 3 fell behind; 4 not there yet
        #expect(driver.topics["t"]?.partitions[0]?.isBeingReassigned == true)
        #expect(driver.machine.context.partitionsBeingReassigned == [t0])
    }

    @Test func invalidRequestsGetKafkasErrors() {
        var driver = failedOver()
        driver.process(.alterPartitionReassignments([t0: [2, 2], TopicPartition("t", 9): [1]], reply: 1))
        #expect(reply(driver.take(), 1) == .alterPartitionReassignments([
            t0: ApiError(.invalidReplicaAssignment, "Duplicate replica ids in partition reassignment replica list: List(2, 2)"),
            TopicPartition("t", 9): ApiError(.unknownTopicOrPartition, "The partition does not exist."),
        ]))
        driver.process(.alterPartitionReassignments([t0: [5, 1]], reply: 2))
        #expect(reply(driver.take(), 2) == .alterPartitionReassignments([
            t0: ApiError(.invalidReplicaAssignment, "Replica assignment has brokers that are not alive. Replica list: List(5), live broker list: Set(1, 2, 3, 4)")]))
        driver.process(.alterPartitionReassignments([t0: nil], reply: 3))
        #expect(reply(driver.take(), 3) == .alterPartitionReassignments([t0: ApiError(.noReassignmentInProgress)]))
        #expect(driver.writes == 0)
    }

    @Test func cancellingGoesBackToTheOriginAndDeletesWhatWasAdded() {
        var driver = failedOver()
        driver.process(.alterPartitionReassignments([t0: [2, 3, 4]], reply: 1))
        _ = driver.take()
        driver.process(.alterPartitionReassignments([t0: nil], reply: 2))
        let actions = driver.take()
        #expect(reply(actions, 2) == .alterPartitionReassignments([t0: .success]))
        // Kafka's origin is the replicas without the added ones, in their order during the reassignment.
        #expect(driver.topics["t"]?.partitions[0] == PartitionReplicas([2, 3, 1]))
        #expect(actions.stopReplica(to: 4).contains { $0.delete && $0.partitions == [t0] })
        #expect(driver.state("t", 0)?.leader == 1)
        #expect(driver.machine.context.partitionsBeingReassigned.isEmpty)
    }

    @Test func aNewControllerResumesAnUnfinishedReassignment() throws {
        var driver = failedOver()
        driver.process(.alterPartitionReassignments([t0: [2, 3, 4]], reply: 1))
        // The controller dies; a new one reads the topic znode with its adding/removing replicas.
        var next = ControllerStateMachineDriver(epoch: 6)
        next.brokers = driver.brokers
        next.topics = driver.topics
        next.states = driver.states
        next.process(.startup)
        let actions = next.take()
        #expect(next.machine.context.partitionsBeingReassigned == [t0])
        #expect(actions.leaderAndIsr(to: 4).contains { $0.replicas == [2, 3, 4, 1] })
        var state = next.states[t0]!
        state.leaderAndIsr.isr = [1, 2, 3, 4]
        state.leaderAndIsr.zkVersion += 1
        next.states[t0] = state
        next.isrChangeNotifications["isr_change_0000000001"] = IsrChangeNotification.encode([("t", 0)])
        next.process(.isrChangeNotification)
        #expect(next.topics["t"]?.partitions[0] == PartitionReplicas([2, 3, 4]))
        #expect(next.state("t", 0)?.isr == [2, 3, 4])
    }

    @Test func theZooKeeperZNodeStartsReassignmentsAndLosesThemAsTheyComplete() {
        var driver = failedOver()
        driver.reassignPartitions = [t0: [1, 2, 4]]
        driver.process(.zkPartitionReassignment)
        _ = driver.take()
        #expect(driver.topics["t"]?.partitions[0] == PartitionReplicas([1, 2, 4, 3], adding: [4], removing: [3]))
        #expect(driver.reassignPartitions == [t0: [1, 2, 4]], "it stays until the partition completes")
        // The controller's own rewrite or a second trigger changes nothing.
        driver.process(.zkPartitionReassignment)
        #expect(driver.topics["t"]?.partitions[0] == PartitionReplicas([1, 2, 4, 3], adding: [4], removing: [3]))
        leaderReportsIsr(&driver, [1, 2, 3, 4])
        #expect(driver.reassignPartitions == nil, "deleted once empty")
        #expect(driver.state("t", 0)?.leader == 1, "the leader is in the target: it stays")
        #expect(driver.state("t", 0)?.isr == [1, 2, 4])
    }
}
