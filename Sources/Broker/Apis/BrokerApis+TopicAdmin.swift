import Coordination
import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleCreateTopicsRequest` (ZooKeeper mode): validates and writes each topic's config and
    /// assignment to ZooKeeper, then waits up to `timeoutMs` until the controller has elected its leaders and the
    /// metadata reached this broker, so a client that creates and then produces finds the topic.
    ///
    /// Creating needs CREATE on the cluster or on the topic (else TOPIC_AUTHORIZATION_FAILED); the created topic's
    /// configs and sizes (v5+) are returned only with DESCRIBE_CONFIGS on it, else its config error code says
    /// TOPIC_AUTHORIZATION_FAILED.
    func createTopics(_ request: CreateTopicsRequest, _ context: RequestContext) async -> CreateTopicsResponse {
        let duplicates = Dictionary(grouping: request.topics, by: \.name).filter { $0.value.count > 1 }.keys
        let auth = authorizer(context)
        let names = request.topics.map(\.name)
        let creatable =
            auth.authorizeCluster(.create, logIfDenied: false) ? Set(names) : auth.filterByAuthorized(.create, .topic, names)
        let configsVisible = auth.filterByAuthorized(.describeConfigs, .topic, names, logIfDenied: false)
        var results: [CreateTopicsResponse.CreatableTopicResult] = []
        var created: [(name: String, partitions: Int32)] = []
        for topic in request.topics {
            if !duplicates.contains(topic.name), !creatable.contains(topic.name) {
                results.append(Self.refusedCreation(topic.name, configsVisible: configsVisible.contains(topic.name)))
                continue
            }
            var result = CreateTopicsResponse.CreatableTopicResult(name: topic.name)
            let partitions = topic.numPartitions == -1 ? settings.defaultPartitions : topic.numPartitions
            let replicationFactor = topic.replicationFactor == -1 ? settings.defaultReplicationFactor : topic.replicationFactor
            do {
                if duplicates.contains(topic.name) {
                    throw AdminError(code: .invalidRequest, message: "Create topics request from client `\(context.clientId)` contains multiple entries for the following topics: \(topic.name)")
                }
                let configs = try Self.validatedTopicConfigs(topic.configs.map { ($0.name, $0.value) })
                if topic.assignments.isEmpty {
                    let assignment = try await admin.createTopic(
                        name: topic.name, partitions: partitions, replicationFactor: replicationFactor, configs: configs,
                        validateOnly: request.validateOnly)
                    result.numPartitions = Int32(clamping: assignment.count)
                    result.replicationFactor = Int16(clamping: assignment.values.first?.count ?? Int(replicationFactor))
                } else {
                    guard topic.numPartitions == -1, topic.replicationFactor == -1 else {
                        throw AdminError(code: .invalidRequest, message: "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
                    }
                    let assignment = Dictionary(topic.assignments.map { ($0.partitionIndex, $0.brokerIds) }, uniquingKeysWith: { a, _ in a })
                    try await admin.createTopic(name: topic.name, assignment: assignment, configs: configs, validateOnly: request.validateOnly)
                    result.numPartitions = Int32(clamping: assignment.count)
                    result.replicationFactor = Int16(clamping: assignment.values.first?.count ?? 0)
                }
                if !request.validateOnly { created.append((topic.name, result.numPartitions)) }
                describeCreated(&result, configs: configs, visible: configsVisible.contains(topic.name))
            } catch {
                let (code, message) = adminFailure(error, operation: "Creating topic \(topic.name)")
                result.errorCode = code
                result.errorMessage = message
                result.configs = nil
            }
            results.append(result)
        }
        if !created.isEmpty, request.timeoutMs > 0 {
            let ready = await awaitMetadata(timeoutMs: request.timeoutMs) { [created] cache in
                created.allSatisfy { topic in
                    guard let partitions = cache.partitions(of: topic.name) else { return false }
                    return partitions.count >= Int(topic.partitions) && partitions.allSatisfy { $0.leader >= 0 }
                }
            }
            if !ready {
                // Kafka's DelayedCreatePartitions answers ApiError(REQUEST_TIMED_OUT, null): no message.
                for index in results.indices where created.contains(where: { $0.name == results[index].name }) {
                    results[index].errorCode = ErrorCode.requestTimedOut.rawValue
                    results[index].errorMessage = nil
                }
            }
        }
        return CreateTopicsResponse(topics: results)
    }

    /// A topic the principal may not create (Kafka's message), its config error code saying whether it may
    /// describe the configs of it.
    static func refusedCreation(_ name: String, configsVisible: Bool) -> CreateTopicsResponse.CreatableTopicResult {
        var result = CreateTopicsResponse.CreatableTopicResult(name: name)
        result.errorCode = ErrorCode.topicAuthorizationFailed.rawValue
        result.errorMessage = "Authorization failed."
        result.configs = []
        if !configsVisible { result.topicConfigErrorCode = ErrorCode.topicAuthorizationFailed.rawValue }
        return result
    }

    /// A created topic's configs (v5+); Kafka's adminManager fills sizes and configs only for topics whose configs
    /// the principal may describe, the others say TOPIC_AUTHORIZATION_FAILED in their config error code.
    private func describeCreated(_ result: inout CreateTopicsResponse.CreatableTopicResult, configs: [String: String], visible: Bool) {
        guard visible else {
            result.numPartitions = -1
            result.replicationFactor = -1
            result.configs = []
            result.topicConfigErrorCode = ErrorCode.topicAuthorizationFailed.rawValue
            return
        }
        result.configs = topicConfigEntries(overrides: configs).map {
            .init(name: $0.name, value: $0.value, readOnly: false, configSource: $0.source, isSensitive: false)
        }
    }

    /// Kafka's `handleDeleteTopicsRequest`: marks each topic in `/admin/delete_topics`, then waits up to
    /// `timeoutMs` until the controller removed it from the metadata. Kafka 2.8 answers error codes only: every
    /// `error_message` (v5+) is null, the reasons go to the log. Each topic needs DELETE, else
    /// TOPIC_AUTHORIZATION_FAILED (checked once deletion is enabled, as Kafka does).
    func deleteTopics(_ request: DeleteTopicsRequest, _ context: RequestContext) async -> DeleteTopicsResponse {
        var results: [DeleteTopicsResponse.DeletableTopicResult] = []
        var marked: [String] = []
        let deletable = settings.deleteTopicEnable ? authorizer(context).filterByAuthorized(.delete, .topic, request.topicNames) : []
        for name in request.topicNames {
            var result = DeleteTopicsResponse.DeletableTopicResult(name: name)
            if !settings.deleteTopicEnable {
                // TOPIC_DELETION_DISABLED came with v3; older clients get INVALID_REQUEST, as from Kafka.
                result.errorCode = (context.apiVersion < 3 ? ErrorCode.invalidRequest : .topicDeletionDisabled).rawValue
            } else if !deletable.contains(name) {
                result.errorCode = ErrorCode.topicAuthorizationFailed.rawValue
            } else {
                do {
                    try await admin.deleteTopic(name)
                    marked.append(name)
                } catch {
                    result.errorCode = adminFailure(error, operation: "Deleting topic \(name)").0
                }
            }
            results.append(result)
        }
        if !marked.isEmpty, request.timeoutMs > 0 {
            let gone = await awaitMetadata(timeoutMs: request.timeoutMs) { [marked] cache in marked.allSatisfy { !cache.contains(topic: $0) } }
            if !gone {
                for index in results.indices where marked.contains(results[index].name) {
                    results[index].errorCode = ErrorCode.requestTimedOut.rawValue
                }
            }
        }
        return DeleteTopicsResponse(responses: results)
    }

    /// Kafka's `handleCreatePartitionsRequest`: extends each topic's assignment, then waits for the new
    /// partitions' leaders. Each topic needs ALTER, else TOPIC_AUTHORIZATION_FAILED.
    func createPartitions(_ request: CreatePartitionsRequest, _ context: RequestContext) async -> CreatePartitionsResponse {
        var results: [CreatePartitionsResponse.CreatePartitionsTopicResult] = []
        var grown: [(name: String, count: Int32)] = []
        let alterable = authorizer(context).filterByAuthorized(.alter, .topic, request.topics.map(\.name))
        for topic in request.topics {
            var result = CreatePartitionsResponse.CreatePartitionsTopicResult(name: topic.name)
            guard alterable.contains(topic.name) else {
                result.errorCode = ErrorCode.topicAuthorizationFailed.rawValue
                result.errorMessage = "The topic authorization is failed."
                results.append(result)
                continue
            }
            do {
                _ = try await admin.createPartitions(
                    topic: topic.name, newCount: topic.count, assignments: topic.assignments?.map(\.brokerIds),
                    validateOnly: request.validateOnly)
                if !request.validateOnly { grown.append((topic.name, topic.count)) }
            } catch {
                (result.errorCode, result.errorMessage) = adminFailure(error, operation: "Adding partitions to \(topic.name)")
            }
            results.append(result)
        }
        if !grown.isEmpty, request.timeoutMs > 0 {
            let ready = await awaitMetadata(timeoutMs: request.timeoutMs) { [grown] cache in
                grown.allSatisfy { (cache.partitions(of: $0.name)?.count ?? 0) >= Int($0.count) }
            }
            if !ready {
                // ApiError(REQUEST_TIMED_OUT, null) in Kafka's DelayedCreatePartitions: no message.
                for index in results.indices where grown.contains(where: { $0.name == results[index].name }) {
                    results[index].errorCode = ErrorCode.requestTimedOut.rawValue
                    results[index].errorMessage = nil
                }
            }
        }
        return CreatePartitionsResponse(results: results)
    }

    /// An admin failure as (error code, message): `AdminError`s carry Kafka's; anything else (ZooKeeper) is
    /// UNKNOWN_SERVER_ERROR, logged.
    func adminFailure(_ error: any Error, operation: String) -> (Int16, String?) {
        if let error = error as? AdminError {
            logger.info("\(operation) refused: \(error)")
            return (error.code.rawValue, error.message)
        }
        logger.error("\(operation) failed: \(error)")
        return (ErrorCode.unknownServerError.rawValue, "\(error)")
    }

    /// Polls the metadata cache until `condition` holds or `timeoutMs` passes; true when it held.
    func awaitMetadata(timeoutMs: Int32, _ condition: @Sendable (MetadataCache) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + Self.adminWait(timeoutMs: timeoutMs)
        while !condition(metadataCache) {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// The longest an admin request waits for the controller's work to show (`timeout_ms` is capped): a topic whose
    /// replicas sit on brokers that never come gets no leader, and a `timeout_ms` of 2^31-1 would hold its connection
    /// for 24 days. Two minutes is longer than any client's default request timeout; the answer is then
    /// REQUEST_TIMED_OUT while the creation goes on, as at any timeout.
    static let maxAdminWait: Duration = .seconds(120)

    static func adminWait(timeoutMs: Int32) -> Duration {
        min(.milliseconds(Int64(max(0, timeoutMs))), maxAdminWait)
    }

    /// Topic configs from a request: known keys only, numeric ones must parse (Kafka's `LogConfig.validate`).
    static func validatedTopicConfigs(_ entries: [(String, String?)]) throws(AdminError) -> [String: String] {
        var configs: [String: String] = [:]
        for (name, value) in entries {
            guard TopicConfigKeys.names.contains(name) else {
                throw AdminError(code: .invalidConfig, message: "Unknown topic config name: \(name)")
            }
            guard let value else {
                throw AdminError(code: .invalidRequest, message: "Null value not supported for topic configs: \(name)")
            }
            configs[name] = value
        }
        do {
            _ = try TopicConfigKeys.validate(configs)
        } catch {
            throw AdminError(code: .invalidConfig, message: "\(error)")
        }
        return configs
    }
}
