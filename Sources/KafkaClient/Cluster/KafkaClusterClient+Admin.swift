import KafkaProtocol

/// A topic for `createTopics`.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    /// -1: the broker's `num.partitions` (CreateTopics v4+); ignored when `assignments` is given.
    public var numPartitions: Int32
    /// -1: the broker's `default.replication.factor` (CreateTopics v4+); ignored when `assignments` is given.
    public var replicationFactor: Int16
    /// Explicit replica lists by partition; empty to let the controller assign.
    public var assignments: [Int32: [Int32]]
    /// Topic config overrides (`cleanup.policy`, `retention.ms`, ...).
    public var configs: [String: String]

    public init(
        name: String, numPartitions: Int32 = -1, replicationFactor: Int16 = -1, assignments: [Int32: [Int32]] = [:],
        configs: [String: String] = [:]
    ) {
        self.name = name
        self.numPartitions = numPartitions
        self.replicationFactor = replicationFactor
        self.assignments = assignments
        self.configs = configs
    }
}

/// The controller's answer for one topic of a CreateTopics, DeleteTopics or CreatePartitions request.
public struct TopicOperationResult: Sendable, Hashable {
    public var name: String
    public var errorCode: ErrorCode
    public var errorMessage: String?

    public init(name: String, errorCode: ErrorCode, errorMessage: String? = nil) {
        self.name = name
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    /// The failure as an error, nil on success.
    public var error: KafkaClientError? {
        errorCode == .noError ? nil : .broker(errorCode, context: "topic \(name)", message: errorMessage)
    }
}

extension KafkaClusterClient {
    /// Creates topics through the controller. Per-topic failures (TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR,
    /// ...) are in the results; topics answered with NOT_CONTROLLER are sent again to the new controller.
    ///
    /// - Parameter timeout: how long the controller may wait for the topics to be created (the request's
    ///   `timeoutMs`), and the deadline for retries.
    public func createTopics(
        _ newTopics: [NewTopic], validateOnly: Bool = false, timeout: Duration = .seconds(30)
    ) async throws(KafkaClientError) -> [TopicOperationResult] {
        try await controllerOperation("CreateTopics", names: newTopics.map(\.name), timeout: timeout) {
            connection, pending async throws(KafkaClientError) -> [TopicOperationResult] in
            let version = try connection.negotiatedVersion(CreateTopicsRequest.self)
            var request = CreateTopicsRequest()
            request.topics = newTopics.filter { pending.contains($0.name) }.map(Self.creatableTopic)
            request.timeoutMs = Int32(clamping: timeout.milliseconds)
            request.validateOnly = validateOnly
            let response = try await connection.send(
                request, version: version, timeout: timeout + configuration.connection.requestTimeout)
            return response.topics.map {
                TopicOperationResult(name: $0.name, errorCode: ErrorCode(rawValue: $0.errorCode), errorMessage: $0.errorMessage)
            }
        }
    }

    /// Deletes topics through the controller.
    public func deleteTopics(
        _ names: [String], timeout: Duration = .seconds(30)
    ) async throws(KafkaClientError) -> [TopicOperationResult] {
        try await controllerOperation("DeleteTopics", names: names, timeout: timeout) {
            connection, pending async throws(KafkaClientError) -> [TopicOperationResult] in
            let version = try connection.negotiatedVersion(DeleteTopicsRequest.self)
            var request = DeleteTopicsRequest()
            request.topicNames = names.filter { pending.contains($0) }
            request.timeoutMs = Int32(clamping: timeout.milliseconds)
            let response = try await connection.send(
                request, version: version, timeout: timeout + configuration.connection.requestTimeout)
            return response.responses.map {
                TopicOperationResult(
                    name: $0.name, errorCode: ErrorCode(rawValue: $0.errorCode), errorMessage: $0.errorMessage)
            }
        }
    }

    /// Raises topics' partition counts to the given totals through the controller.
    public func createPartitions(
        _ totalCounts: [String: Int32], validateOnly: Bool = false, timeout: Duration = .seconds(30)
    ) async throws(KafkaClientError) -> [TopicOperationResult] {
        let names = totalCounts.keys.sorted()
        return try await controllerOperation("CreatePartitions", names: names, timeout: timeout) {
            connection, pending async throws(KafkaClientError) -> [TopicOperationResult] in
            let version = try connection.negotiatedVersion(CreatePartitionsRequest.self)
            var request = CreatePartitionsRequest()
            request.topics = names.filter { pending.contains($0) }.map { name in
                var topic = CreatePartitionsRequest.CreatePartitionsTopic()
                topic.name = name
                topic.count = totalCounts[name] ?? 0
                topic.assignments = nil  // let the controller place the new partitions
                return topic
            }
            request.timeoutMs = Int32(clamping: timeout.milliseconds)
            request.validateOnly = validateOnly
            let response = try await connection.send(
                request, version: version, timeout: timeout + configuration.connection.requestTimeout)
            return response.results.map {
                TopicOperationResult(name: $0.name, errorCode: ErrorCode(rawValue: $0.errorCode), errorMessage: $0.errorMessage)
            }
        }
    }

    /// Sends a per-topic admin request to the controller until no topic is answered with NOT_CONTROLLER or the
    /// deadline passes; returns one result per name, in `names` order. Other codes are final, like in Kafka's
    /// AdminClient: REQUEST_TIMED_OUT from CreateTopics means the creation started but did not finish in time, and
    /// sending it again would only answer TOPIC_ALREADY_EXISTS.
    private func controllerOperation(
        _ operation: String, names: [String], timeout: Duration,
        _ send: (KafkaConnection, Set<String>) async throws(KafkaClientError) -> [TopicOperationResult]
    ) async throws(KafkaClientError) -> [TopicOperationResult] {
        var results: [String: TopicOperationResult] = [:]
        var pending = Set(names)
        try await withRetries(operation, timeout: timeout + configuration.connection.requestTimeout) {
            () async throws(KafkaClientError) in
            let connection = try await controllerConnection()
            for result in try await send(connection, pending) where pending.contains(result.name) {
                results[result.name] = result
                if result.errorCode != .notController { pending.remove(result.name) }
            }
            if let retriable = pending.compactMap({ results[$0] }).first {
                throw .broker(retriable.errorCode, context: "\(operation) for topic \(retriable.name)",
                              message: retriable.errorMessage)
            }
        }
        return names.map { results[$0] ?? TopicOperationResult(name: $0, errorCode: .unknownServerError, errorMessage: "no answer") }
    }

    private static func creatableTopic(_ topic: NewTopic) -> CreateTopicsRequest.CreatableTopic {
        var creatable = CreateTopicsRequest.CreatableTopic()
        creatable.name = topic.name
        creatable.numPartitions = topic.assignments.isEmpty ? topic.numPartitions : -1
        creatable.replicationFactor = topic.assignments.isEmpty ? topic.replicationFactor : -1
        creatable.assignments = topic.assignments.sorted { $0.key < $1.key }.map { partition, brokers in
            var assignment = CreateTopicsRequest.CreatableReplicaAssignment()
            assignment.partitionIndex = partition
            assignment.brokerIds = brokers
            return assignment
        }
        creatable.configs = topic.configs.sorted { $0.key < $1.key }.map { name, value in
            var config = CreateTopicsRequest.CreateableTopicConfig()
            config.name = name
            config.value = value
            return config
        }
        return creatable
    }
}
