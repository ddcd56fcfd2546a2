import ZooKeeper

/// User entities under `/config/users` (Kafka's `ConfigType.User`), named by their sanitized user name.
extension KafkaZkClient {
    /// The user's dynamic configs; empty when the node does not exist, as Kafka's `fetchEntityConfig`.
    public func userConfig(sanitizedUser: String) async throws -> [String: String] {
        let path = ZkPaths.userConfig(sanitizedUser: sanitizedUser)
        do {
            return try ConfigEntityZNode.decode(try await zooKeeper.getData(path).data, path: path)
        } catch ZooKeeperError.noNode {
            return [:]
        }
    }

    /// The sanitized names of every user with a config node (Kafka's `getAllEntitiesWithConfig("users")`).
    public func sanitizedUsersWithConfig() async throws -> [String] {
        try await childrenOrEmpty(ZkPaths.configUsers).sorted()
    }
}
