import KafkaProtocol

/// What a Metadata response says about the cluster, in client terms (leaders and ids as optionals instead of -1,
/// error codes as `ErrorCode`), sorted by broker id, topic name and partition.
public struct ClusterMetadata: Sendable, Hashable {
    public var clusterId: String?
    /// Nil when the broker knows no controller (Kafka's -1).
    public var controllerId: Int32?
    public var brokers: [BrokerMetadata]
    public var topics: [TopicMetadata]

    public init(clusterId: String?, controllerId: Int32?, brokers: [BrokerMetadata], topics: [TopicMetadata]) {
        self.clusterId = clusterId
        self.controllerId = controllerId
        self.brokers = brokers.sorted { $0.id < $1.id }
        self.topics = topics.sorted { $0.name < $1.name }
    }

    public func broker(id: Int32) -> BrokerMetadata? { brokers.first { $0.id == id } }
    public func topic(_ name: String) -> TopicMetadata? { topics.first { $0.name == name } }
}

public struct BrokerMetadata: Sendable, Hashable {
    public var id: Int32
    public var host: String
    public var port: Int
    public var rack: String?

    public init(id: Int32, host: String, port: Int, rack: String? = nil) {
        self.id = id
        self.host = host
        self.port = port
        self.rack = rack
    }

    public var address: BrokerAddress { BrokerAddress(host: host, port: port) }
}

public struct TopicMetadata: Sendable, Hashable {
    public var name: String
    /// `KafkaUUID.zero` before Metadata v10 or when the broker has none.
    public var topicId: KafkaUUID
    public var isInternal: Bool
    /// `.noError`, or why the topic could not be described (UNKNOWN_TOPIC_OR_PARTITION for a missing topic).
    public var errorCode: ErrorCode
    public var partitions: [PartitionMetadata]

    public init(
        name: String, topicId: KafkaUUID = .zero, isInternal: Bool = false, errorCode: ErrorCode = .noError,
        partitions: [PartitionMetadata]
    ) {
        self.name = name
        self.topicId = topicId
        self.isInternal = isInternal
        self.errorCode = errorCode
        self.partitions = partitions.sorted { $0.partition < $1.partition }
    }

    public func partition(_ index: Int32) -> PartitionMetadata? { partitions.first { $0.partition == index } }
}

public struct PartitionMetadata: Sendable, Hashable {
    public var partition: Int32
    /// Nil when the partition has no leader (Kafka's -1).
    public var leader: Int32?
    public var leaderEpoch: Int32
    public var replicas: [Int32]
    public var isr: [Int32]
    public var offlineReplicas: [Int32]
    public var errorCode: ErrorCode

    public init(
        partition: Int32, leader: Int32?, leaderEpoch: Int32 = -1, replicas: [Int32], isr: [Int32],
        offlineReplicas: [Int32] = [], errorCode: ErrorCode = .noError
    ) {
        self.partition = partition
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.replicas = replicas
        self.isr = isr
        self.offlineReplicas = offlineReplicas
        self.errorCode = errorCode
    }
}

extension ClusterMetadata {
    init(_ response: MetadataResponse) {
        let brokers = response.brokers.map {
            BrokerMetadata(id: $0.nodeId, host: $0.host, port: Int($0.port), rack: $0.rack)
        }
        let topics = response.topics.map { topic in
            TopicMetadata(
                name: topic.name, topicId: topic.topicId, isInternal: topic.isInternal,
                errorCode: ErrorCode(rawValue: topic.errorCode),
                partitions: topic.partitions.map { partition in
                    PartitionMetadata(
                        partition: partition.partitionIndex, leader: partition.leaderId >= 0 ? partition.leaderId : nil,
                        leaderEpoch: partition.leaderEpoch, replicas: partition.replicaNodes, isr: partition.isrNodes,
                        offlineReplicas: partition.offlineReplicas, errorCode: ErrorCode(rawValue: partition.errorCode))
                })
        }
        self.init(
            clusterId: response.clusterId, controllerId: response.controllerId >= 0 ? response.controllerId : nil,
            brokers: brokers, topics: topics)
    }
}
