/// One snapshot of a cluster as `gregor cluster` shows it: brokers and controller, topics and their partitions'
/// leaders and ISRs, and each consumer group's lag. Filled from ZooKeeper or through the Kafka protocol by the CLI,
/// rendered by `text(...)`; plain data, so the rendering is tested without a cluster. It lives here, beside the
/// client, because the command-line tools have no test target of their own.
public struct ClusterSummary: Sendable, Hashable {
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        /// `PLAINTEXT://host:port` from ZooKeeper, or `host:port` of the listener a Metadata request reached.
        public var endpoints: [String]
        public var rack: String?

        public init(id: Int32, endpoints: [String], rack: String? = nil) {
            self.id = id
            self.endpoints = endpoints
            self.rack = rack
        }
    }

    /// Where the snapshot was read from, e.g. `ZooKeeper 127.0.0.1:2181` or `bootstrap server 127.0.0.1:9092`.
    public var source: String
    public var clusterId: String?
    /// The live brokers, sorted by id.
    public var brokers: [Broker]
    public var controllerId: Int32?
    /// Nil when the source does not say (Metadata carries no controller epoch, only ZooKeeper does).
    public var controllerEpoch: Int32?
    /// Sorted by name, each topic's partitions by index.
    public var topics: [TopicMetadata]
    /// Sorted by group id.
    public var groups: [GroupLag]
    /// Why groups are missing, if reading them failed (the rest of the snapshot is still worth showing).
    public var groupsError: String?

    public init(
        source: String, clusterId: String?, brokers: [Broker], controllerId: Int32?, controllerEpoch: Int32?,
        topics: [TopicMetadata], groups: [GroupLag], groupsError: String? = nil
    ) {
        self.source = source
        self.clusterId = clusterId
        self.brokers = brokers.sorted { $0.id < $1.id }
        self.controllerId = controllerId
        self.controllerEpoch = controllerEpoch
        self.topics = topics.sorted { $0.name < $1.name }
        self.groups = groups.sorted { $0.group < $1.group }
        self.groupsError = groupsError
    }

    public var partitionCount: Int { topics.reduce(0) { $0 + $1.partitions.count } }

    public var liveBrokerIds: Set<Int32> { Set(brokers.map(\.id)) }

    /// Partitions with fewer in-sync replicas than replicas, by topic and partition.
    public var underReplicated: [(topic: String, partition: PartitionMetadata)] {
        partitions { $0.isUnderReplicated }
    }

    /// Partitions without a leader, or whose leader is not a live broker, by topic and partition.
    public var offline: [(topic: String, partition: PartitionMetadata)] {
        let live = liveBrokerIds
        return partitions { $0.isOffline(liveBrokers: live) }
    }

    private func partitions(where include: (PartitionMetadata) -> Bool) -> [(topic: String, partition: PartitionMetadata)] {
        topics.flatMap { topic in topic.partitions.filter(include).map { (topic.name, $0) } }
    }
}
