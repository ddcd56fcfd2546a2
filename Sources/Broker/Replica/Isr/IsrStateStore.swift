import KafkaProtocol
import Coordination
import Storage
import Synchronization

/// Where a leader writes its ISR changes: the partition's state znode, and the change notification for the
/// controller. A protocol so that `ReplicaManager` is tested without ZooKeeper.
protocol IsrStateStore: Sendable {
    /// Writes `change` conditionally on `change.zkVersion`; the new zkVersion, or nil when the znode changed since
    /// (the controller moved on: wait for its LeaderAndIsr). Throws when ZooKeeper cannot be reached.
    func write(_ change: IsrChange, for topicPartition: TopicPartition) async throws -> Int32?

    /// Tells the controller that these partitions' ISRs changed, so it sends UpdateMetadata to every broker.
    func propagate(_ topicPartitions: [TopicPartition]) async throws
}

/// The ISR store in ZooKeeper, through whichever session the broker currently has: `ClusterMembership` replaces it
/// after an expiry, so the session is asked for at every write.
struct ZkIsrStateStore: IsrStateStore {
    let session: @Sendable () -> KafkaZkClient

    func write(_ change: IsrChange, for topicPartition: TopicPartition) async throws -> Int32? {
        let state = LeaderIsrAndControllerEpoch(
            LeaderAndIsr(leader: change.leader, leaderEpoch: change.leaderEpoch, isr: change.isr, zkVersion: change.zkVersion),
            controllerEpoch: change.controllerEpoch)
        return try await session().updateLeaderAndIsr(topic: topicPartition.topic, partition: topicPartition.partition, state)
    }

    func propagate(_ topicPartitions: [TopicPartition]) async throws {
        try await session().propagateIsrChanges(topicPartitions.map { ($0.topic, $0.partition) })
    }
}
