import KafkaProtocol
/// One partition as the controller tells brokers about it (Kafka's `LeaderAndIsrPartitionState` and
/// `UpdateMetadataPartitionState` in one shape).
///
/// In UpdateMetadata, `leader` is -2 (`LeaderAndIsr.leaderDuringDelete`) for partitions of topics being deleted,
/// and `offlineReplicas` lists the replicas on dead brokers; in LeaderAndIsr, `offlineReplicas` is empty and
/// `isNew` says the partition was just created (the replica may create its log).
public struct PartitionState: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var controllerEpoch: Int32
    public var leader: Int32
    public var leaderEpoch: Int32
    public var isr: [Int32]
    public var zkVersion: Int32
    public var replicas: [Int32]
    public var addingReplicas: [Int32]
    public var removingReplicas: [Int32]
    public var offlineReplicas: [Int32]
    public var isNew: Bool

    public init(
        topic: String, partition: Int32, controllerEpoch: Int32, leader: Int32, leaderEpoch: Int32, isr: [Int32],
        zkVersion: Int32, replicas: [Int32], addingReplicas: [Int32] = [], removingReplicas: [Int32] = [],
        offlineReplicas: [Int32] = [], isNew: Bool = false
    ) {
        self.topic = topic
        self.partition = partition
        self.controllerEpoch = controllerEpoch
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.isr = isr
        self.zkVersion = zkVersion
        self.replicas = replicas
        self.addingReplicas = addingReplicas
        self.removingReplicas = removingReplicas
        self.offlineReplicas = offlineReplicas
        self.isNew = isNew
    }
}

/// How the controller reaches brokers: the three controller-to-broker requests of classic Kafka. The Broker module
/// implements it over the wire; Coordination never opens a socket.
///
/// Each call is one request to one broker and returns once that broker answered; a throw means it was not
/// delivered (or not answered) and the controller sends it again while the broker is alive. Calls to one broker
/// come one at a time and in order; calls to different brokers run concurrently.
public protocol ControllerChannel: Sendable {
    /// Kafka's LeaderAndIsr: `partitions` are the ones `broker` replicates; `leaders` the live brokers leading them.
    /// Returns each partition's error code (KAFKA_STORAGE_ERROR: the broker cannot host that replica).
    func leaderAndIsr(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], leaders: [BrokerInfo]
    ) async throws -> [TopicPartition: ErrorCode]

    /// Kafka's UpdateMetadata: partition states (leader -2 = being deleted) and every live broker.
    func updateMetadata(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], liveBrokers: [BrokerInfo]
    ) async throws

    /// Kafka's StopReplica; returns each partition's error code. A partition missing from the answer counts as not
    /// stopped (a deletion then waits for the broker's next start).
    func stopReplica(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [TopicPartition], deletePartitions: Bool
    ) async throws -> [TopicPartition: ErrorCode]
}

/// The controller's settings, from the broker's `server.properties`.
public struct ControllerConfig: Sendable, Hashable {
    /// `unclean.leader.election.enable` (default false): whether a replica outside the ISR may become leader when
    /// no ISR member is alive. A topic's own `unclean.leader.election.enable` in `/config/topics/<t>` overrides it.
    public var uncleanLeaderElectionEnable: Bool
    /// `delete.topic.enable` (default true): when false, the controller drops deletion requests.
    public var deleteTopicEnable: Bool
    /// Pause before sending a failed request again (Kafka's `RequestSendThread` backs off 100 ms).
    public var requestRetryBackoff: Duration
    /// `auto.leader.rebalance.enable` (default true): leadership periodically returns to preferred replicas.
    public var autoLeaderRebalanceEnable: Bool
    /// `leader.imbalance.check.interval.seconds` (default 300): how often; the first check comes 5 s after failover.
    public var leaderImbalanceCheckInterval: Duration
    /// `leader.imbalance.per.broker.percentage` (default 10): the share of a broker's preferred partitions others
    /// may lead before a rebalance.
    public var leaderImbalancePerBrokerPercentage: Int

    public init(
        uncleanLeaderElectionEnable: Bool = false, deleteTopicEnable: Bool = true,
        requestRetryBackoff: Duration = .milliseconds(100), autoLeaderRebalanceEnable: Bool = true,
        leaderImbalanceCheckInterval: Duration = .seconds(300), leaderImbalancePerBrokerPercentage: Int = 10
    ) {
        self.uncleanLeaderElectionEnable = uncleanLeaderElectionEnable
        self.deleteTopicEnable = deleteTopicEnable
        self.requestRetryBackoff = requestRetryBackoff
        self.autoLeaderRebalanceEnable = autoLeaderRebalanceEnable
        self.leaderImbalanceCheckInterval = leaderImbalanceCheckInterval
        self.leaderImbalancePerBrokerPercentage = leaderImbalancePerBrokerPercentage
    }
}
