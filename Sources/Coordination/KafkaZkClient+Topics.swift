import ZooKeeper

/// A live broker and its epoch: the czxid of its `/brokers/ids/<id>` znode, which grows with every registration, so
/// a broker that re-registered (a new session) is told apart from the one before it (Kafka's broker epoch).
public struct BrokerAndEpoch: Sendable, Hashable {
    public var broker: BrokerInfo
    public var epoch: Int64

    public init(broker: BrokerInfo, epoch: Int64) {
        self.broker = broker
        self.epoch = epoch
    }
}

/// Reads of topics, assignments, partition states, topic configs and pending deletions (Kafka's `KafkaZkClient`).
extension KafkaZkClient {
    public func liveBrokersAndEpochs() async throws -> [BrokerAndEpoch] {
        var brokers: [BrokerAndEpoch] = []
        for id in try await liveBrokerIds() {
            do {
                let (data, stat) = try await zooKeeper.getData(ZkPaths.broker(id))
                brokers.append(BrokerAndEpoch(broker: try BrokerInfo.decode(id: id, from: data), epoch: stat.czxid))
            } catch ZooKeeperError.noNode {
                continue  // gone between the listing and the read
            }
        }
        return brokers
    }

    /// Every topic under `/brokers/topics`, sorted.
    public func allTopics() async throws -> [String] {
        try await childrenOrEmpty(ZkPaths.brokerTopics).sorted()
    }

    public func topicExists(_ topic: String) async throws -> Bool {
        try await zooKeeper.exists(ZkPaths.topic(topic)) != nil
    }

    /// The topic's assignment, or nil when the topic does not exist.
    public func topicAssignment(_ topic: String) async throws -> TopicZNode? {
        do {
            return try TopicZNode.decode(topic: topic, from: try await zooKeeper.getData(ZkPaths.topic(topic)).data)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// The partition's state znode with its zkVersion, or nil when it has not been created yet.
    public func partitionState(topic: String, partition: Int32) async throws -> LeaderIsrAndControllerEpoch? {
        let path = ZkPaths.partitionState(topic: topic, partition: partition)
        do {
            let (data, stat) = try await zooKeeper.getData(path)
            return try LeaderIsrAndControllerEpoch.decode(data, zkVersion: stat.version, path: path)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// Every existing state znode of the topic's partitions, by partition.
    public func partitionStates(topic: String, partitions: some Sequence<Int32>) async throws -> [Int32: LeaderIsrAndControllerEpoch] {
        var states: [Int32: LeaderIsrAndControllerEpoch] = [:]
        for partition in partitions {
            states[partition] = try await partitionState(topic: topic, partition: partition)
        }
        return states
    }

    /// The topic's config overrides, or nil when `/config/topics/<t>` does not exist.
    public func topicConfig(_ topic: String) async throws -> [String: String]? {
        let path = ZkPaths.topicConfig(topic)
        do {
            return try ConfigEntityZNode.decode(try await zooKeeper.getData(path).data, path: path)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// The dynamic configs of a broker (`/config/brokers/<id>`) or of the cluster-wide defaults (nil,
    /// `/config/brokers/<default>`); empty when the node does not exist, as Kafka's `fetchEntityConfig`.
    public func brokerConfig(_ brokerId: Int32?) async throws -> [String: String] {
        let path = ZkPaths.brokerConfig(ZkPaths.brokerConfigEntity(brokerId))
        do {
            return try ConfigEntityZNode.decode(try await zooKeeper.getData(path).data, path: path)
        } catch ZooKeeperError.noNode {
            return [:]
        }
    }

    /// Topics marked for deletion under `/admin/delete_topics`, sorted.
    public func topicDeletions() async throws -> [String] {
        try await childrenOrEmpty(ZkPaths.deleteTopics).sorted()
    }

    public func isTopicMarkedForDeletion(_ topic: String) async throws -> Bool {
        try await zooKeeper.exists(ZkPaths.deleteTopic(topic)) != nil
    }

    func childrenOrEmpty(_ path: String) async throws -> [String] {
        do {
            return try await zooKeeper.getChildren(path)
        } catch ZooKeeperError.noNode {
            return []
        }
    }
}
