import KafkaProtocol
import Testing
import ZooKeeper
@testable import Coordination

/// The controller's batched state writes against a real ZooKeeper.
@Suite("Controller state writes")
struct ControllerZkClientTests {
    /// 250 states in three multi-ops: the one a leader changed meanwhile and the one whose znode is gone are refused
    /// alone, every other partition is written, and a stale controller writes nothing.
    @Test func manyStatesPerMultiOpWithRefusalsPinnedOnTheirPartition() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let session = try await TestZooKeeper.session(config)
        defer { Task { await session.zooKeeper.close() } }
        let epoch = try #require(try await session.tryRegisterController(brokerId: 1))
        let client = ControllerZkClient(zk: session, epoch: epoch)
        let partitions = (0..<250).map { TopicPartition("t", Int32($0)) }
        let initial = LeaderIsrAndControllerEpoch(LeaderAndIsr(leader: 1, leaderEpoch: 0, isr: [1, 2], zkVersion: 0), controllerEpoch: epoch.epoch)
        try await session.zooKeeper.create(ZkPaths.topic("t"), data: Array("{}".utf8))
        _ = try await client.createPartitionStates(partitions.map { PartitionStateCreation(partition: $0, state: initial) })

        // A leader shrinks t-150's ISR behind the controller's back; t-7's state znode disappears.
        let shrunk = LeaderIsrAndControllerEpoch(LeaderAndIsr(leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0), controllerEpoch: epoch.epoch)
        try await session.zooKeeper.setData(ZkPaths.partitionState(topic: "t", partition: 150), data: shrunk.encoded(), version: 0)
        try await session.zooKeeper.delete(ZkPaths.partitionState(topic: "t", partition: 7))

        let elected = LeaderAndIsr(leader: 2, leaderEpoch: 1, isr: [2], zkVersion: 0)
        let outcomes = try await client.updatePartitionStates(partitions.map { PartitionStateUpdate(partition: $0, leaderAndIsr: elected) })
        #expect(outcomes.map(\.0) == partitions)
        for (partition, outcome) in outcomes {
            switch partition.partition {
            case 7: #expect(outcome == .noNode)
            case 150: #expect(outcome == .badVersion)
            default: #expect(outcome == .updated(zkVersion: 1), "\(partition)")
            }
        }
        let t150 = try #require(try await session.partitionState(topic: "t", partition: 150))
        #expect(t150.leaderAndIsr.isr == [1], "the refused write left the leader's ISR alone")
        #expect(try await session.partitionState(topic: "t", partition: 249)?.leaderAndIsr.leader == 2)

        // Another controller bumps the epoch: the old one's batch is refused as a whole.
        let successor = try await TestZooKeeper.session(config)
        defer { Task { await successor.zooKeeper.close() } }
        try await session.zooKeeper.delete(ZkPaths.controller)
        _ = try #require(try await successor.tryRegisterController(brokerId: 2))
        let again = LeaderAndIsr(leader: 1, leaderEpoch: 2, isr: [1], zkVersion: 1)
        await #expect(throws: ControllerMovedError.self) {
            _ = try await client.updatePartitionStates(partitions.prefix(120).map { PartitionStateUpdate(partition: $0, leaderAndIsr: again) })
        }
        #expect(try await session.partitionState(topic: "t", partition: 0)?.leaderAndIsr.leader == 2)
    }
}
