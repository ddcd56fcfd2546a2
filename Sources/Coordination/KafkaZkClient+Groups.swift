import KafkaProtocol
import Logging
import ZooKeeper

extension KafkaZkClient {
    /// Whether `/consumers/<group>/offsets` holds at least one committed offset: a group that has none (never
    /// used, or deleted, which keeps only its coordinator node) does not exist for Kafka's admin APIs.
    public func hasCommittedOffsets(group: String) async throws -> Bool {
        let root = ZkPaths.consumerOffsetsRoot(group: group)
        for topic in try await childrenOrEmpty(root) {
            if try await !childrenOrEmpty(ZooKeeperClient.join(root, topic)).isEmpty { return true }
        }
        return false
    }

    /// The groups under `/consumers` with at least one committed offset, sorted: what tools reading ZooKeeper
    /// (`gregor cluster --zookeeper`) list as the cluster's groups.
    public func groupsWithCommittedOffsets() async throws -> [String] {
        try await GroupOffsetStore.readGroupsWithOffsets(zk: self)
    }

    /// The group's committed offsets as `/consumers/<group>/offsets/<topic>/<partition>` holds them, read without
    /// claiming the group (a tool's read, not a coordinator's: it takes no fence and never writes). A malformed
    /// offset znode is skipped with a warning on `logger`.
    public func committedOffsets(group: String, logger: Logger) async throws -> [TopicPartition: Int64] {
        try GroupOffsetStore.validate(group: group)
        return try await GroupOffsetStore.readOffsets(group: group, zk: self, logger: logger).offsets.mapValues(\.offset)
    }
}
