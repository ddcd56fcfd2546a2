import KafkaProtocol
import Logging
import NIOCore
import NIOPosix

/// A client for a whole cluster: starts from bootstrap servers, learns brokers, leaders and the controller from
/// Metadata, sends each request to the broker that must handle it, and retries what Kafka calls retriable.
///
/// Routing: partition requests (Produce, Fetch, ListOffsets) go to the partition's leader; CreateTopics,
/// DeleteTopics and CreatePartitions to the controller; Metadata and topic DescribeConfigs to any broker.
/// One `KafkaConnection` per broker address is opened on first use and reopened after it fails.
///
/// Retries: a retriable failure (a connection error or timeout, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
/// UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER, any code Kafka marks retriable) marks the cached metadata stale and
/// tries again after a backoff (`retryBackoff`, doubling up to `maxRetryBackoff`), until the operation's deadline;
/// then it fails with `.retriesExhausted` carrying the last error. Like Kafka's producer without idempotence, a
/// produce retried after a timeout may append its records twice.
public actor KafkaClusterClient {
    public struct Configuration: Sendable {
        public var connection: KafkaConnectionConfiguration
        /// How long one operation (including its retries) may take when the caller gives no timeout.
        public var operationTimeout: Duration
        /// First wait between retries (Kafka's `retry.backoff.ms`: 100 ms); doubles up to `maxRetryBackoff`.
        public var retryBackoff: Duration
        public var maxRetryBackoff: Duration
        /// Cached metadata older than this is refreshed before use (Kafka's `metadata.max.age.ms`: 5 min).
        public var metadataMaxAge: Duration
        /// Whether Metadata requests for a topic may make a broker with `auto.create.topics.enable` create it.
        public var allowAutoTopicCreation: Bool

        public init(
            connection: KafkaConnectionConfiguration = KafkaConnectionConfiguration(),
            operationTimeout: Duration = .seconds(30),
            retryBackoff: Duration = .milliseconds(100),
            maxRetryBackoff: Duration = .seconds(1),
            metadataMaxAge: Duration = .seconds(300),
            allowAutoTopicCreation: Bool = false
        ) {
            self.connection = connection
            self.operationTimeout = operationTimeout
            self.retryBackoff = retryBackoff
            self.maxRetryBackoff = maxRetryBackoff
            self.metadataMaxAge = metadataMaxAge
            self.allowAutoTopicCreation = allowAutoTopicCreation
        }
    }

    public nonisolated let bootstrapServers: [BrokerAddress]
    public nonisolated let configuration: Configuration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    private var connections: [BrokerAddress: Task<KafkaConnection, any Error>] = [:]
    /// Everything learned from Metadata responses, merged: brokers and controller from the latest, topics by name.
    private(set) var brokers: [Int32: BrokerMetadata] = [:]
    private(set) var controllerId: Int32?
    private(set) var clusterId: String?
    private var topics: [String: TopicMetadata] = [:]
    private var metadataUpdatedAt: ContinuousClock.Instant?
    private var metadataIsStale = true

    public init(
        bootstrapServers: [BrokerAddress], configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gregor.client")
    ) {
        precondition(!bootstrapServers.isEmpty, "at least one bootstrap server is needed")
        self.bootstrapServers = bootstrapServers
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Closes every connection; requests in flight fail with `.connectionClosed`.
    public func close() async {
        let tasks = connections.values
        connections.removeAll()
        for task in tasks {
            if let connection = try? await task.value { await connection.close() }
        }
    }

    // MARK: - Connections

    /// The open connection to `address`, or a new one. Concurrent callers share one connection attempt.
    func connection(to address: BrokerAddress) async throws(KafkaClientError) -> KafkaConnection {
        if let existing = connections[address] {
            if let connection = try? await existing.value, connection.isActive { return connection }
            if connections[address] == existing { connections[address] = nil }
        }
        let configuration = configuration.connection
        let eventLoopGroup = eventLoopGroup
        let logger = logger
        let task = Task {
            try await KafkaConnection.connect(
                host: address.host, port: address.port, configuration: configuration, eventLoopGroup: eventLoopGroup,
                logger: logger)
        }
        connections[address] = task
        do {
            return try await task.value
        } catch {
            if connections[address] == task { connections[address] = nil }
            throw error as? KafkaClientError ?? .connectionFailed(host: address.host, port: address.port, reason: "\(error)")
        }
    }

    /// A connection to some broker: an open one if there is one, else the known brokers and the bootstrap servers
    /// in turn.
    func anyConnection() async throws(KafkaClientError) -> KafkaConnection {
        for task in connections.values {
            if let connection = try? await task.value, connection.isActive { return connection }
        }
        var candidates = brokers.values.sorted { $0.id < $1.id }.map(\.address)
        for address in bootstrapServers where !candidates.contains(address) { candidates.append(address) }
        var lastError: KafkaClientError?
        for address in candidates {
            do {
                return try await connection(to: address)
            } catch {
                logger.debug("Cannot use \(address): \(error)")
                lastError = error
            }
        }
        throw .noBrokerAvailable(tried: candidates.map(\.description), lastError: lastError.map { "\($0)" })
    }

    /// The connection to broker `id`, by the address the metadata gives for it.
    func connection(toBroker id: Int32) async throws(KafkaClientError) -> KafkaConnection {
        if brokers[id] == nil { try await refreshMetadata(topics: []) }
        guard let broker = brokers[id] else {
            throw .noBrokerAvailable(tried: ["broker \(id) (not in the cluster metadata)"], lastError: nil)
        }
        return try await connection(to: broker.address)
    }

    // MARK: - Retries

    /// Runs `body` until it succeeds, fails with a non-retriable error, or the deadline passes.
    func withRetries<T>(
        _ operation: String, timeout: Duration?, _ body: () async throws(KafkaClientError) -> T
    ) async throws(KafkaClientError) -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + (timeout ?? configuration.operationTimeout)
        var backoff = configuration.retryBackoff
        while true {
            do {
                return try await body()
            } catch {
                guard error.isRetriable else { throw error }
                metadataIsStale = true
                guard clock.now + backoff < deadline else {
                    throw .retriesExhausted(operation: operation, lastError: "\(error)")
                }
                logger.debug("\(operation) failed (\(error)); retrying in \(backoff)")
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maxRetryBackoff)
            }
        }
    }

    // MARK: - Metadata

    /// Fresh metadata for `topics` (nil: all topics), with retries. Topics that do not exist are in the answer with
    /// UNKNOWN_TOPIC_OR_PARTITION, not thrown.
    public func metadata(topics: [String]?, timeout: Duration? = nil) async throws(KafkaClientError) -> ClusterMetadata {
        try await withRetries("Metadata", timeout: timeout) { () async throws(KafkaClientError) -> ClusterMetadata in
            try await requestMetadata(topics: topics)
        }
    }

    /// One Metadata request to any broker; merges the answer into the cache.
    @discardableResult
    func requestMetadata(topics names: [String]?) async throws(KafkaClientError) -> ClusterMetadata {
        let connection = try await anyConnection()
        let version = try connection.negotiatedVersion(MetadataRequest.self)
        var request = MetadataRequest()
        if let names {
            request.topics = names.map { name in
                var topic = MetadataRequest.MetadataRequestTopic()
                topic.name = name
                return topic
            }
        } else {
            request.topics = version >= 1 ? nil : []  // v0 has no null: an empty list means all topics
        }
        request.allowAutoTopicCreation = configuration.allowAutoTopicCreation
        let metadata = ClusterMetadata(try await connection.send(request, version: version))
        brokers = Dictionary(metadata.brokers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        controllerId = metadata.controllerId
        clusterId = metadata.clusterId
        if names == nil { topics.removeAll() }
        for topic in metadata.topics { topics[topic.name] = topic }
        metadataUpdatedAt = ContinuousClock.now
        metadataIsStale = false
        return metadata
    }

    private func refreshMetadata(topics names: [String]) async throws(KafkaClientError) {
        try await requestMetadata(topics: names)
    }

    private var metadataIsFresh: Bool {
        guard !metadataIsStale, let metadataUpdatedAt else { return false }
        return ContinuousClock.now - metadataUpdatedAt < configuration.metadataMaxAge
    }

    /// The partition's metadata, refreshed when stale or unknown.
    ///
    /// - Throws: `.unknownTopicOrPartition` or `.leaderNotAvailable` (both retriable) or the topic's error.
    func partitionMetadata(topic: String, partition: Int32) async throws(KafkaClientError) -> PartitionMetadata {
        if !metadataIsFresh || topics[topic]?.partition(partition) == nil {
            try await refreshMetadata(topics: [topic])
        }
        guard let topicMetadata = topics[topic], topicMetadata.errorCode != .unknownTopicOrPartition else {
            throw .unknownTopicOrPartition(topic: topic, partition: nil)
        }
        guard topicMetadata.errorCode == .noError else {
            throw .broker(topicMetadata.errorCode, context: "Metadata for topic \(topic)", message: nil)
        }
        guard let partitionMetadata = topicMetadata.partition(partition) else {
            throw .unknownTopicOrPartition(topic: topic, partition: partition)
        }
        return partitionMetadata
    }

    /// The connection to the leader of `topic`-`partition`.
    func leaderConnection(topic: String, partition: Int32) async throws(KafkaClientError) -> KafkaConnection {
        let metadata = try await partitionMetadata(topic: topic, partition: partition)
        guard let leader = metadata.leader, let broker = brokers[leader] else {
            throw .leaderNotAvailable(topic: topic, partition: partition)
        }
        return try await connection(to: broker.address)
    }

    /// The connection to the controller.
    func controllerConnection() async throws(KafkaClientError) -> KafkaConnection {
        if !metadataIsFresh || controllerId == nil { try await refreshMetadata(topics: []) }
        guard let controllerId, let broker = brokers[controllerId] else {
            throw .broker(.notController, context: "the cluster metadata names no controller", message: nil)
        }
        return try await connection(to: broker.address)
    }
}

extension KafkaClientError {
    /// Whether trying again (after refreshing metadata) may succeed: connection failures, missing leaders or
    /// topics that may appear, and the codes Kafka marks retriable.
    public var isRetriable: Bool {
        switch self {
        case .connectionFailed, .connectionClosed, .connectionLost, .timedOut, .noBrokerAvailable,
            .unknownTopicOrPartition, .leaderNotAvailable:
            return true
        case .broker(let code, _, _):
            return code.isRetriable
        default:
            return false
        }
    }
}
