import Coordination
import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleTopicMetadataRequest`: the live brokers (endpoints of the listener the client came in on),
    /// the controller, and the requested topics from the metadata cache. Unknown topics are created when
    /// `auto.create.topics.enable` and the request allow it, and answered LEADER_NOT_AVAILABLE until their
    /// leaders are elected.
    ///
    /// Authorization as Kafka's: listing every topic shows only those the principal may DESCRIBE (the others are
    /// not mentioned, not even as refused); a topic asked for by name without DESCRIBE is TOPIC_AUTHORIZATION_FAILED
    /// without saying whether it exists; auto-creating one needs CREATE on the cluster or on the topic. The
    /// authorized operations, when asked, are the principal's.
    func metadata(_ request: MetadataRequest, _ context: RequestContext) async -> MetadataResponse {
        let listener = context.connection.listenerName
        await waitForFirstUpdateMetadata()
        let brokers = metadataCache.aliveBrokers().compactMap { node -> MetadataResponse.MetadataResponseBroker? in
            guard let endpoint = node.endpoints[listener] else { return nil }
            return .init(nodeId: node.id, host: endpoint.host, port: endpoint.port, rack: node.rack)
        }
        let auth = authorizer(context)
        let allTopics = request.topics == nil || (context.apiVersion == 0 && request.topics?.isEmpty == true)
        var topics: [MetadataResponse.MetadataResponseTopic] = []
        if allTopics {
            let names = metadataCache.topicNames()
            let visible = Self.metadataVisibility(
                names, allTopics: true, autoCreate: false, exists: { _ in true }, auth: auth)
            topics = names.filter(visible.authorized.contains).compactMap { topicMetadata($0, listener: listener) }
        } else {
            let allowAutoCreate = settings.autoCreateTopics && request.allowAutoTopicCreation
            let visible = Self.metadataVisibility(
                (request.topics ?? []).compactMap(\.name), allTopics: false, autoCreate: allowAutoCreate,
                exists: { [metadataCache] in metadataCache.contains(topic: $0) }, auth: auth)
            for requested in request.topics ?? [] {
                guard let name = requested.name else {
                    topics.append(.init(errorCode: ErrorCode.unknownTopicId.rawValue, name: "", topicId: requested.topicId))
                    continue
                }
                if !visible.authorized.contains(name) {
                    topics.append(.init(errorCode: ErrorCode.topicAuthorizationFailed.rawValue, name: name, isInternal: false))
                } else if let known = topicMetadata(name, listener: listener) {
                    topics.append(known)
                } else {
                    let code = await unknownTopicError(name, autoCreate: allowAutoCreate)
                    topics.append(.init(errorCode: code.rawValue, name: name))
                }
            }
        }
        if request.includeTopicAuthorizedOperations {
            for index in topics.indices where topics[index].errorCode != ErrorCode.topicAuthorizationFailed.rawValue {
                topics[index].topicAuthorizedOperations = auth.authorizedOperations(.topic, topics[index].name)
            }
        }
        var response = MetadataResponse(
            brokers: brokers, clusterId: settings.clusterId, controllerId: metadataCache.controllerId ?? -1, topics: topics)
        if request.includeClusterAuthorizedOperations {
            response.clusterAuthorizedOperations =
                auth.authorizeCluster(.describe) ? auth.authorizedOperations(.cluster, ResourcePattern.clusterName) : 0
        }
        return response
    }

    /// Which of a Metadata request's topics the principal may see (Kafka's `handleTopicMetadataRequest`): those it
    /// may DESCRIBE (denials not logged when listing all topics: that is a filter, not a refusal), less the missing
    /// ones that auto-creation would create without CREATE on the cluster or on the topic. `refused` are the names
    /// to answer TOPIC_AUTHORIZATION_FAILED; when listing all topics there are none (the others are hidden).
    static func metadataVisibility(
        _ names: [String], allTopics: Bool, autoCreate: Bool, exists: (String) -> Bool, auth: RequestAuthorizer
    ) -> (authorized: Set<String>, refused: Set<String>) {
        var seen = Set<String>()
        let unique = names.filter { seen.insert($0).inserted }
        var authorized = auth.filterByAuthorized(.describe, .topic, unique, logIfDenied: !allTopics)
        if autoCreate, !allTopics {
            let missing = unique.filter { authorized.contains($0) && !exists($0) }
            if !missing.isEmpty, !auth.authorizeCluster(.create, logIfDenied: false) {
                authorized.subtract(Set(missing).subtracting(auth.filterByAuthorized(.create, .topic, missing)))
            }
        }
        return (authorized, allTopics ? [] : Set(unique).subtracting(authorized))
    }

    /// A broker that just registered knows no broker until the controller's first UpdateMetadata. An answer listing
    /// none makes librdkafka 2.x forget every broker it knew (it decommissions brokers a Metadata answer leaves out)
    /// and stall, so the answer waits for that first update, normally a moment after registration; after
    /// `firstMetadataWait` (within clients' 30 s request timeouts) it goes out as it is: there may be no controller.
    private func waitForFirstUpdateMetadata() async {
        guard metadataCache.aliveBrokers().isEmpty else { return }
        let clock = ContinuousClock()
        let deadline = clock.now + Self.firstMetadataWait
        while metadataCache.aliveBrokers().isEmpty, clock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static let firstMetadataWait: Duration = .seconds(15)

    private func topicMetadata(_ name: String, listener: String) -> MetadataResponse.MetadataResponseTopic? {
        guard let partitions = metadataCache.partitions(of: name) else { return nil }
        return .init(
            errorCode: 0, name: name, isInternal: false,
            partitions: partitions.map { info in
                let leaderAlive = metadataCache.aliveBroker(info.leader)?.endpoints[listener] != nil
                return .init(
                    errorCode: leaderAlive ? 0 : ErrorCode.leaderNotAvailable.rawValue,
                    partitionIndex: info.partition, leaderId: leaderAlive ? info.leader : -1, leaderEpoch: info.leaderEpoch,
                    replicaNodes: info.replicas, isrNodes: info.isr, offlineReplicas: info.offlineReplicas)
            })
    }

    /// Why an unknown topic has no metadata, creating it first when allowed (Kafka's `getTopicMetadata` with
    /// auto-creation): an illegal name is INVALID_TOPIC_EXCEPTION, a topic just created (or created concurrently) is
    /// LEADER_NOT_AVAILABLE, and without auto-creation it is UNKNOWN_TOPIC_OR_PARTITION.
    private func unknownTopicError(_ name: String, autoCreate: Bool) async -> ErrorCode {
        do {
            try TopicName.validate(name)
        } catch {
            logger.info("Metadata request for illegal topic name: \(error)")
            return .invalidTopicException
        }
        guard autoCreate else { return .unknownTopicOrPartition }
        do {
            try await admin.createTopic(
                name: name, partitions: settings.defaultPartitions, replicationFactor: settings.defaultReplicationFactor)
            logger.info("Auto-created topic \(name) with \(settings.defaultPartitions) partition(s)")
            return .leaderNotAvailable
        } catch let error as AdminError {
            if error.code == .topicAlreadyExists { return .leaderNotAvailable }
            logger.warning("Auto-creating topic \(name) failed: \(error)")
            return error.code
        } catch {
            logger.warning("Auto-creating topic \(name) failed: \(error)")
            return .unknownServerError
        }
    }
}
