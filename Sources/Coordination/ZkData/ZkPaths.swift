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
    /// Partition reassignments written by operators' tools (Kafka's `ReassignPartitionsZNode`).
    public static let reassignPartitions = "/admin/reassign_partitions"
    public static let isrChangeNotification = "/isr_change_notification"
    public static let latestProducerIdBlock = "/latest_producer_id_block"
    public static let logDirEventNotification = "/log_dir_event_notification"
    /// Transactional ids' coordinator state (Gregor's: Kafka kept it in `__transaction_state`); see `transaction(_:)`.
    public static let transactions = "/transactions"

    /// The persistent paths every Kafka broker creates at startup if they are missing (`KafkaZkClient.createTopLevelPaths`).
    public static let persistentPaths = [
        consumers, brokerIds, brokerTopics, configChanges, configTopics, configClients, configUsers,
        configBrokers, configIps, deleteTopics, brokerSequenceId, isrChangeNotification, latestProducerIdBlock,
        logDirEventNotification, transactions,
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
    /// `/config/brokers/<id>`, or `/config/brokers/<default>` for the cluster-wide defaults (`brokerConfigEntity`).
    public static func brokerConfig(_ entity: String) -> String { "\(configBrokers)/\(entity)" }
    /// `/config/users/<sanitized user>`: the user's quotas and SCRAM credentials (see `Sanitizer`).
    public static func userConfig(sanitizedUser: String) -> String { "\(configUsers)/\(sanitizedUser)" }
    /// The `/config/brokers` entity of a broker id, or of the cluster-wide defaults for nil (Kafka's
    /// `ConfigEntityName.Default`, `<default>`).
    public static func brokerConfigEntity(_ brokerId: Int32?) -> String { brokerId.map(String.init) ?? "<default>" }
    public static func deleteTopic(_ topic: String) -> String { "\(deleteTopics)/\(topic)" }

    // MARK: consumer groups (written by the group's coordinator through `GroupOffsetStore`)

    /// `/consumers/<g>`: a consumer group's subtree. Never deleted by Gregor, because it holds the group's
    /// coordinator (fencing) node.
    public static func consumerGroup(_ group: String) -> String { "\(consumers)/\(group)" }

    /// `/consumers/<g>/coordinator`: persistent JSON
    /// `{"version":1,"brokerid":1,"coordinator_epoch":5,"timestamp":"1732400000000"}` (`GroupCoordinatorZNode`).
    /// A broker that becomes the group's coordinator rewrites it conditionally (coordinator_epoch + 1); its new
    /// zkVersion is the fence every later write for the group checks first. Gregor's own node (Kafka kept group
    /// state in `__consumer_offsets`), kept when the group is deleted so that its version never starts over.
    public static func consumerCoordinator(group: String) -> String { "\(consumers)/\(group)/coordinator" }

    /// `/consumers/<g>/offsets`: one child per topic the group committed offsets for.
    public static func consumerOffsetsRoot(group: String) -> String { "\(consumers)/\(group)/offsets" }

    /// `/consumers/<g>/offsets/<t>`: one child per partition.
    public static func consumerOffsets(group: String, topic: String) -> String { "\(consumers)/\(group)/offsets/\(topic)" }

    /// `/consumers/<g>/offsets/<t>/<p>`: the committed offset as decimal text, e.g. `4711` (`ConsumerOffsetZNode`),
    /// exactly where and how Kafka's ZooKeeper offset storage kept it.
    public static func consumerOffset(group: String, topic: String, partition: Int32) -> String {
        "\(consumers)/\(group)/offsets/\(topic)/\(partition)"
    }

    /// `/consumers/<g>/offsets_metadata`: the same tree as `offsets`, holding what a commit carries besides the
    /// offset. Gregor's own, beside Kafka's decimal offsets so those stay readable by Kafka's tools.
    public static func consumerOffsetsMetadataRoot(group: String) -> String { "\(consumers)/\(group)/offsets_metadata" }

    public static func consumerOffsetsMetadata(group: String, topic: String) -> String {
        "\(consumers)/\(group)/offsets_metadata/\(topic)"
    }

    /// `/consumers/<g>/offsets_metadata/<t>/<p>`: JSON
    /// `{"version":1,"leader_epoch":-1,"metadata":"","commit_timestamp":"1732400000000","expire_timestamp":"-1"}`
    /// (`ConsumerOffsetMetadataZNode`), always written in the same multi-op as the offset znode.
    public static func consumerOffsetMetadata(group: String, topic: String, partition: Int32) -> String {
        "\(consumers)/\(group)/offsets_metadata/\(topic)/\(partition)"
    }

    /// `/consumers/<g>/txn_offsets`: one child per producer with offsets committed inside an open transaction.
    public static func consumerTxnOffsetsRoot(group: String) -> String { "\(consumers)/\(group)/txn_offsets" }

    /// `/consumers/<g>/txn_offsets/<producerId>`: JSON (`TxnOffsetsZNode`) with the offsets a producer's open
    /// transaction committed (TxnOffsetCommit), invisible to OffsetFetch until the transaction's commit marker
    /// turns them into the group's committed offsets (and deletes this znode) or its abort marker drops them.
    /// Gregor's own: Kafka kept them as transactional records in `__consumer_offsets`.
    public static func consumerTxnOffsets(group: String, producerId: Int64) -> String {
        "\(consumers)/\(group)/txn_offsets/\(producerId)"
    }

    // MARK: transactions (written by the transactional id's coordinator through `TransactionStore`)

    /// `/transactions/<sanitized transactional id>`: persistent JSON (`TransactionZNode`) holding what Kafka's
    /// `__transaction_state` record held, plus `coordinator` and `coordinator_epoch`. The name is the id through
    /// `TransactionZNode.nodeName(for:)` (Kafka's `Sanitizer`, with `.` and `..` escaped), so any id is one valid
    /// node name. Every write is conditional on the zkVersion the writer last saw: that version is the fence.
    public static func transaction(sanitizedId: String) -> String { "\(transactions)/\(sanitizedId)" }

    /// Whether `name` can be one path component: ZooKeeper refuses empty names, `.` and `..`, and some characters
    /// (`PathUtils.validatePath`); a `/` would silently nest. Kafka's group ids may be any string, so the store
    /// checks each group, topic and partition name with this before it builds a path.
    public static func isValidNodeName(_ name: String) -> Bool {
        guard !name.isEmpty, name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x2F, 0x00...0x1F, 0x7F...0x9F, 0xD800...0xF8FF, 0xFFF0...0xFFFF: return false
            default: return true
            }
        }
    }
}
