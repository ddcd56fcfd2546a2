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
}
