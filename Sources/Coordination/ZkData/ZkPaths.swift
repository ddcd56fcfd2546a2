/// Kafka's ZooKeeper tree (classic mode, as of Kafka 2.8: `kafka.zk.ZkData`). All paths are relative to the
/// chroot of `zookeeper.connect`.
public enum ZkPaths {
    public static let brokers = "/brokers"
    public static let brokerIds = "/brokers/ids"
    public static let brokerTopics = "/brokers/topics"
    public static let brokerSequenceId = "/brokers/seqid"
    public static let controller = "/controller"
    public static let controllerEpoch = "/controller_epoch"
    public static let clusterId = "/cluster/id"
    public static let consumers = "/consumers"
    public static let configChanges = "/config/changes"
    public static let configTopics = "/config/topics"
    public static let configClients = "/config/clients"
    public static let configUsers = "/config/users"
    public static let configBrokers = "/config/brokers"
    public static let configIps = "/config/ips"
    public static let deleteTopics = "/admin/delete_topics"
    public static let isrChangeNotification = "/isr_change_notification"
    public static let latestProducerIdBlock = "/latest_producer_id_block"
    public static let logDirEventNotification = "/log_dir_event_notification"

    /// The persistent paths every Kafka broker creates at startup if they are missing (`KafkaZkClient.createTopLevelPaths`).
    public static let persistentPaths = [
        consumers, brokerIds, brokerTopics, configChanges, configTopics, configClients, configUsers,
        configBrokers, configIps, deleteTopics, brokerSequenceId, isrChangeNotification, latestProducerIdBlock,
        logDirEventNotification,
    ]

    public static func broker(_ id: Int32) -> String { "\(brokerIds)/\(id)" }
    public static func topic(_ topic: String) -> String { "\(brokerTopics)/\(topic)" }
    public static func topicPartitions(_ topic: String) -> String { "\(brokerTopics)/\(topic)/partitions" }
    public static func topicPartition(topic: String, partition: Int32) -> String {
        "\(brokerTopics)/\(topic)/partitions/\(partition)"
    }
    public static func partitionState(topic: String, partition: Int32) -> String {
        "\(brokerTopics)/\(topic)/partitions/\(partition)/state"
    }
    public static func topicConfig(_ topic: String) -> String { "\(configTopics)/\(topic)" }
    public static func deleteTopic(_ topic: String) -> String { "\(deleteTopics)/\(topic)" }
    public static func consumerGroup(_ group: String) -> String { "\(consumers)/\(group)" }
    public static func consumerOffsets(group: String, topic: String) -> String { "\(consumers)/\(group)/offsets/\(topic)" }
    public static func consumerOffset(group: String, topic: String, partition: Int32) -> String {
        "\(consumers)/\(group)/offsets/\(topic)/\(partition)"
    }
}
