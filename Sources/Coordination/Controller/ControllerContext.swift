import KafkaProtocol
/// One replica: a partition on a broker (Kafka's `PartitionAndReplica`).
struct PartitionAndReplica: Hashable, Comparable, Sendable, CustomStringConvertible {
    var partition: TopicPartition
    var replica: Int32

    var topic: String { partition.topic }
    static func < (a: Self, b: Self) -> Bool { (a.partition, a.replica) < (b.partition, b.replica) }
    var description: String { "[Topic=\(partition.topic),Partition=\(partition.partition),Replica=\(replica)]" }
}

/// Kafka's partition states, with the transitions `PartitionStateMachine` allows.
enum PartitionLifecycle: Hashable, Sendable, CustomStringConvertible {
    case new, online, offline, nonExistent

    var validPreviousStates: Set<PartitionLifecycle> {
        switch self {
        case .new: [.nonExistent]
        case .online, .offline: [.new, .online, .offline]
        case .nonExistent: [.offline]
        }
    }

    var description: String {
        switch self {
        case .new: "NewPartition"
        case .online: "OnlinePartition"
        case .offline: "OfflinePartition"
        case .nonExistent: "NonExistentPartition"
        }
    }
}

/// Kafka's replica states, with the transitions `ReplicaStateMachine` allows.
enum ReplicaLifecycle: Hashable, Sendable, CustomStringConvertible {
    case new, online, offline, deletionStarted, deletionSuccessful, deletionIneligible, nonExistent

    var validPreviousStates: Set<ReplicaLifecycle> {
        switch self {
        case .new: [.nonExistent]
        case .online, .offline: [.new, .online, .offline, .deletionIneligible]
        case .deletionStarted: [.offline]
        case .deletionSuccessful: [.deletionStarted]
        case .deletionIneligible: [.offline, .deletionStarted]
        case .nonExistent: [.deletionSuccessful]
        }
    }

    var description: String {
        switch self {
        case .new: "NewReplica"
        case .online: "OnlineReplica"
        case .offline: "OfflineReplica"
        case .deletionStarted: "ReplicaDeletionStarted"
        case .deletionSuccessful: "ReplicaDeletionSuccessful"
        case .deletionIneligible: "ReplicaDeletionIneligible"
        case .nonExistent: "NonExistentReplica"
        }
    }
}

/// What the controller knows about the cluster (Kafka's `ControllerContext`): rebuilt from ZooKeeper at failover,
/// then changed only by the controller's event loop. A plain value with no I/O.
struct ControllerContext {
    var epoch: ControllerEpoch
    var liveBrokers: [Int32: BrokerAndEpoch] = [:]
    var allTopics: Set<String> = []
    /// Replica assignments by topic and partition.
    var assignments: [String: [Int32: PartitionReplicas]] = [:]
    var leadership: [TopicPartition: LeaderIsrAndControllerEpoch] = [:]
    var partitionStates: [TopicPartition: PartitionLifecycle] = [:]
    var replicaStates: [PartitionAndReplica: ReplicaLifecycle] = [:]
    var topicsToBeDeleted: Set<String> = []
    var topicsWithDeletionStarted: Set<String> = []
    var topicsIneligibleForDeletion: Set<String> = []
    /// Replicas a live broker answered KAFKA_STORAGE_ERROR for (their log directory failed), by broker.
    var replicasOnOfflineDirs: [Int32: Set<TopicPartition>] = [:]
    /// Live brokers that asked for a controlled shutdown: still registered (they get requests), but no longer
    /// eligible to lead, and left out of the ISRs the controller writes (Kafka's `shuttingDownBrokerIds`).
    var shuttingDownBrokerIds: Set<Int32> = []
    /// Partitions whose reassignment has started and not completed (Kafka's `partitionsBeingReassigned`).
    var partitionsBeingReassigned: Set<TopicPartition> = []
    /// What `/admin/reassign_partitions` holds, as last read or written: completed partitions leave it.
    var zkReassignments: [TopicPartition: [Int32]] = [:]

    init(epoch: ControllerEpoch) {
        self.epoch = epoch
    }

    // MARK: brokers and replicas

    /// Every registered broker, shutting down or not (Kafka's `liveOrShuttingDownBrokerIds`): the recipients of
    /// the controller's requests.
    var liveBrokerIds: Set<Int32> { Set(liveBrokers.keys) }
    var sortedLiveBrokers: [BrokerInfo] { liveBrokers.keys.sorted().map { liveBrokers[$0]!.broker } }
    func isReplicaOnline(_ broker: Int32) -> Bool { liveBrokers[broker] != nil }

    /// The broker is alive (and, unless `includeShuttingDown`, not shutting down) and its replica of `partition` is
    /// not on a failed log directory.
    func isReplicaOnline(_ broker: Int32, _ partition: TopicPartition, includeShuttingDown: Bool = false) -> Bool {
        liveBrokers[broker] != nil && (includeShuttingDown || !shuttingDownBrokerIds.contains(broker))
            && replicasOnOfflineDirs[broker]?.contains(partition) != true
    }

    /// The brokers whose replica of `partition` could lead or be in the ISR.
    func onlineReplicas(_ partition: TopicPartition) -> Set<Int32> {
        Set(replicas(partition).filter { isReplicaOnline($0, partition) })
    }

    func assignment(_ partition: TopicPartition) -> PartitionReplicas? { assignments[partition.topic]?[partition.partition] }
    func replicas(_ partition: TopicPartition) -> [Int32] { assignment(partition)?.replicas ?? [] }

    mutating func setAssignment(_ partition: TopicPartition, _ replicas: PartitionReplicas) {
        assignments[partition.topic, default: [:]][partition.partition] = replicas
    }

    var allPartitions: [TopicPartition] { assignments.keys.sorted().flatMap(partitions(ofTopic:)) }

    func partitions(ofTopic topic: String) -> [TopicPartition] {
        (assignments[topic] ?? [:]).keys.sorted().map { TopicPartition(topic, $0) }
    }

    func replicas(of partitions: some Sequence<TopicPartition>) -> [PartitionAndReplica] {
        partitions.flatMap { partition in replicas(partition).map { PartitionAndReplica(partition: partition, replica: $0) } }
    }

    func replicas(ofTopic topic: String) -> [PartitionAndReplica] { replicas(of: partitions(ofTopic: topic)) }

    func replicas(onBrokers brokers: Set<Int32>) -> [PartitionAndReplica] {
        replicas(of: allPartitions).filter { brokers.contains($0.replica) }
    }

    // MARK: states

    func partitionState(_ partition: TopicPartition) -> PartitionLifecycle { partitionStates[partition] ?? .nonExistent }
    func replicaState(_ replica: PartitionAndReplica) -> ReplicaLifecycle { replicaStates[replica] ?? .nonExistent }

    func partitions(in states: Set<PartitionLifecycle>) -> [TopicPartition] {
        partitionStates.filter { states.contains($0.value) }.map(\.key).sorted()
    }

    /// Partitions whose leader is dead (or none), except those of topics being deleted.
    var partitionsWithOfflineLeader: [TopicPartition] {
        leadership.filter { !isReplicaOnline($0.value.leaderAndIsr.leader, $0.key) && !isTopicQueuedForDeletion($0.key.topic) }
            .map(\.key).sorted()
    }

    /// Partitions that have a leader and ISR, except those of topics being deleted.
    var partitionsWithLeaders: [TopicPartition] {
        leadership.keys.filter { !isTopicQueuedForDeletion($0.topic) }.sorted()
    }

    func replicas(ofTopic topic: String, in state: ReplicaLifecycle) -> [PartitionAndReplica] {
        replicas(ofTopic: topic).filter { replicaState($0) == state }
    }

    func areAllReplicas(ofTopic topic: String, in state: ReplicaLifecycle) -> Bool {
        replicas(ofTopic: topic).allSatisfy { replicaState($0) == state }
    }

    func isAnyReplica(ofTopic topic: String, in state: ReplicaLifecycle) -> Bool {
        replicas(ofTopic: topic).contains { replicaState($0) == state }
    }

    // MARK: topics

    func isTopicQueuedForDeletion(_ topic: String) -> Bool { topicsToBeDeleted.contains(topic) }

    mutating func removeTopic(_ topic: String) {
        allTopics.remove(topic)
        for replica in replicas(ofTopic: topic) { replicaStates[replica] = nil }
        for partition in partitions(ofTopic: topic) {
            leadership[partition] = nil
            partitionStates[partition] = nil
        }
        assignments[topic] = nil
        partitionsBeingReassigned = partitionsBeingReassigned.filter { $0.topic != topic }
        topicsToBeDeleted.remove(topic)
        topicsWithDeletionStarted.remove(topic)
        topicsIneligibleForDeletion.remove(topic)
    }
}
