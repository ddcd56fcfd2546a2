import ZooKeeper

/// Config change notifications under `/config/changes` (Kafka's `ZkNodeChangeNotificationListener` and
/// `AdminZkClient.changeTopicConfig`): whoever changes an entity's overrides writes them to `/config/<type>/<name>`
/// and then appends a sequential notification; every broker re-reads the entities it is told about.
extension KafkaZkClient {
    /// The notification node names with their sequence numbers, oldest first; other children are left out.
    public func configChangeNotificationNames() async throws -> [(name: String, sequence: Int64)] {
        let children: [String]
        do {
            children = try await zooKeeper.getChildren(ZkPaths.configChanges)
        } catch ZooKeeperError.noNode {
            return []
        }
        return children.compactMap { name in ConfigChangeNotification.sequenceNumber(ofNodeName: name).map { (name, $0) } }
            .sorted { $0.sequence < $1.sequence }
    }

    /// One notification (or why it cannot be read) and its creation time; nil when it is gone (purged meanwhile).
    public func configChangeNotification(
        _ name: String
    ) async throws -> (notification: Result<ConfigChangeNotification, any Error>, ctimeMs: Int64)? {
        let path = ZkPaths.configChanges + "/" + name
        do {
            let (data, stat) = try await zooKeeper.getData(path)
            return (Result { try ConfigChangeNotification.decode(data, path: path) }, stat.ctimeMs)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// Appends a notification (Kafka's `createConfigChangeNotification`).
    @discardableResult
    public func createConfigChangeNotification(_ notification: ConfigChangeNotification) async throws -> String {
        try await zooKeeper.createRecursively(
            ZkPaths.configChanges + "/" + ConfigChangeNotification.sequencePrefix, data: notification.encoded(),
            mode: .persistentSequential)
    }

    /// Deletes a notification; one already gone is fine (every broker purges).
    public func deleteConfigChangeNotification(_ name: String) async throws {
        do {
            try await zooKeeper.delete(ZkPaths.configChanges + "/" + name)
        } catch ZooKeeperError.noNode {}
    }
}
