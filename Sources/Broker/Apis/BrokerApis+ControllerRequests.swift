import Coordination
import KafkaProtocol
import Storage

/// The requests only the controller sends (Kafka's LeaderAndIsr, UpdateMetadata and StopReplica handling). Each is
/// admitted by `controllerGuard` first (the current controller, this broker's registration); requests from a
/// controller epoch older than the newest seen are refused with STALE_CONTROLLER_EPOCH. Partitions whose topic name
/// Kafka's rules refuse, or whose index is negative, get INVALID_TOPIC_EXCEPTION and touch nothing. Before all
/// that, each needs CLUSTER_ACTION on the cluster (what brokers have), else the whole request is
/// CLUSTER_AUTHORIZATION_FAILED, every partition named with it, as Kafka's `getErrorResponse`.
extension BrokerApis {
    func leaderAndIsr(_ request: LeaderAndIsrRequest, _ context: RequestContext) async -> LeaderAndIsrResponse {
        guard authorizer(context).authorizeCluster(.clusterAction) else {
            let error = ErrorCode.clusterAuthorizationFailed.rawValue
            if context.apiVersion >= 5 {
                return LeaderAndIsrResponse(errorCode: error, topics: request.topicStates.map { topic in
                    .init(topicId: topic.topicId, partitionErrors: topic.partitionStates.map {
                        .init(partitionIndex: $0.partitionIndex, errorCode: error)
                    })
                })
            }
            let states =
                context.apiVersion < 2
                ? request.ungroupedPartitionStates.map { ($0.topicName, $0.partitionIndex) }
                : request.topicStates.flatMap { topic in topic.partitionStates.map { (topic.topicName, $0.partitionIndex) } }
            return LeaderAndIsrResponse(errorCode: error, partitionErrors: states.map {
                .init(topicName: $0.0, partitionIndex: $0.1, errorCode: error)
            })
        }
        if let refused = await refusal(of: "LeaderAndIsr", request.controllerId, request.controllerEpoch, request.brokerEpoch, context) {
            return LeaderAndIsrResponse(errorCode: refused.rawValue)
        }
        var states: [TopicPartition: PartitionState] = [:]
        var invalid: [TopicPartition: ErrorCode] = [:]
        let grouped: [(String, LeaderAndIsrRequest.LeaderAndIsrPartitionState)] =
            context.apiVersion < 2
            ? request.ungroupedPartitionStates.map { ($0.topicName, $0) }
            : request.topicStates.flatMap { topic in topic.partitionStates.map { (topic.topicName, $0) } }
        for (topic, state) in grouped {
            let partition = TopicPartition(topic: topic, partition: state.partitionIndex)
            if Self.isValid(partition) {
                states[partition] = PartitionState(topic: topic, state)
            } else {
                invalid[partition] = .invalidTopicException
            }
        }
        let liveLeaders = Dictionary(
            request.liveLeaders.map { ($0.brokerId, BrokerEndPoint(id: $0.brokerId, host: $0.hostName, port: Int($0.port))) },
            uniquingKeysWith: { _, last in last })
        let outcome = await replicaManager.becomeLeaderOrFollower(
            controllerId: request.controllerId, controllerEpoch: request.controllerEpoch, states: states,
            liveLeaders: liveLeaders)
        switch outcome {
        case .failure(let code):
            return LeaderAndIsrResponse(errorCode: code.rawValue)
        case .success(let valid):
            let codes = valid.merging(invalid) { _, refused in refused }
            let errors = grouped.map { topic, state in
                LeaderAndIsrResponse.LeaderAndIsrPartitionError(
                    topicName: topic, partitionIndex: state.partitionIndex,
                    errorCode: (codes[TopicPartition(topic: topic, partition: state.partitionIndex)] ?? .noError).rawValue)
            }
            return LeaderAndIsrResponse(errorCode: 0, partitionErrors: errors)
        }
    }

    func updateMetadata(_ request: UpdateMetadataRequest, _ context: RequestContext) async -> UpdateMetadataResponse {
        guard authorizer(context).authorizeCluster(.clusterAction) else {
            return UpdateMetadataResponse(errorCode: ErrorCode.clusterAuthorizationFailed.rawValue)
        }
        if let refused = await refusal(of: "UpdateMetadata", request.controllerId, request.controllerEpoch, request.brokerEpoch, context) {
            return UpdateMetadataResponse(errorCode: refused.rawValue)
        }
        guard replicaManager.acceptControllerEpoch(request.controllerEpoch) else {
            logger.warning("Ignoring UpdateMetadata from controller \(request.controllerId) with stale epoch \(request.controllerEpoch)")
            return UpdateMetadataResponse(errorCode: ErrorCode.staleControllerEpoch.rawValue)
        }
        let brokers = request.liveBrokers.map { broker in
            var endpoints: [String: MetadataCache.HostAndPort] = [:]
            if context.apiVersion == 0 {
                endpoints["PLAINTEXT"] = .init(host: broker.v0Host, port: broker.v0Port)
            }
            for endpoint in broker.endpoints {
                let listener = context.apiVersion >= 3 ? endpoint.listener : Self.listenerName(securityProtocol: endpoint.securityProtocol)
                endpoints[listener] = .init(host: endpoint.host, port: endpoint.port)
            }
            return MetadataCache.Node(id: broker.id, rack: broker.rack, endpoints: endpoints)
        }
        let states: [(String, UpdateMetadataRequest.UpdateMetadataPartitionState)] =
            context.apiVersion < 5
            ? request.ungroupedPartitionStates.map { ($0.topicName, $0) }
            : request.topicStates.flatMap { topic in topic.partitionStates.map { (topic.topicName, $0) } }
        metadataCache.update(
            controllerId: request.controllerId, brokers: brokers,
            partitions: states.map { topic, state in PartitionState(topic: topic, state) }
                .filter { Self.isValid(TopicPartition(topic: $0.topic, partition: $0.partition)) })
        // Live brokers decide which groups this broker coordinates; topics growing make groups rebalance.
        await groupCoordinator.metadataChanged()
        await transactionCoordinator.onLiveBrokersChanged()
        return UpdateMetadataResponse(errorCode: 0)
    }

    func stopReplica(_ request: StopReplicaRequest, _ context: RequestContext) async -> StopReplicaResponse {
        var (deleted, kept) = Self.stopReplicaPartitions(request, version: context.apiVersion)
        guard authorizer(context).authorizeCluster(.clusterAction) else {
            let error = ErrorCode.clusterAuthorizationFailed.rawValue
            return StopReplicaResponse(errorCode: error, partitionErrors: (deleted + kept).map {
                .init(topicName: $0.topic, partitionIndex: $0.partition, errorCode: error)
            })
        }
        if let refused = await refusal(of: "StopReplica", request.controllerId, request.controllerEpoch, request.brokerEpoch, context) {
            return StopReplicaResponse(errorCode: refused.rawValue)
        }
        var errors: [StopReplicaResponse.StopReplicaPartitionError] = []
        let refused = (deleted + kept).filter { !Self.isValid($0) }
        errors += refused.map { .init(topicName: $0.topic, partitionIndex: $0.partition, errorCode: ErrorCode.invalidTopicException.rawValue) }
        deleted.removeAll { !Self.isValid($0) }
        kept.removeAll { !Self.isValid($0) }
        for (partitions, delete) in [(deleted, true), (kept, false)] where !partitions.isEmpty {
            switch replicaManager.stopReplicas(
                controllerId: request.controllerId, controllerEpoch: request.controllerEpoch, partitions: partitions, delete: delete)
            {
            case .failure(let code):
                return StopReplicaResponse(errorCode: code.rawValue)
            case .success(let codes):
                errors += partitions.map {
                    .init(topicName: $0.topic, partitionIndex: $0.partition, errorCode: (codes[$0] ?? .noError).rawValue)
                }
            }
        }
        return StopReplicaResponse(errorCode: 0, partitionErrors: errors)
    }

    /// The partitions a StopReplica names, those to delete and those to keep, in each version's layout.
    static func stopReplicaPartitions(
        _ request: StopReplicaRequest, version: Int16
    ) -> (deleted: [TopicPartition], kept: [TopicPartition]) {
        switch version {
        case 0:
            let partitions = request.ungroupedPartitions.map { TopicPartition(topic: $0.topicName, partition: $0.partitionIndex) }
            return request.deletePartitions ? (partitions, []) : ([], partitions)
        case 1, 2:
            let partitions = request.topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic: topic.name, partition: $0) } }
            return request.deletePartitions ? (partitions, []) : ([], partitions)
        default:
            var deleted: [TopicPartition] = []
            var kept: [TopicPartition] = []
            for topic in request.topicStates {
                for state in topic.partitionStates {
                    let tp = TopicPartition(topic: topic.topicName, partition: state.partitionIndex)
                    if state.deletePartition { deleted.append(tp) } else { kept.append(tp) }
                }
            }
            return (deleted, kept)
        }
    }

    /// The error code refusing a controller request that is not from the current controller for this registration.
    private func refusal(
        of api: String, _ controllerId: Int32, _ controllerEpoch: Int32, _ brokerEpoch: Int64, _ context: RequestContext
    ) async -> ErrorCode? {
        switch await controllerGuard.admit(controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch) {
        case .accept:
            return nil
        case .refuse(let code, let reason):
            logger.warning("Refusing \(api) claiming controller \(controllerId) from \(context.connection.remoteAddress) with \(code): \(reason)")
            return code
        }
    }

    /// A partition whose log directory name stays inside `log.dirs`: a Kafka topic name and a partition index >= 0.
    static func isValid(_ partition: TopicPartition) -> Bool {
        partition.partition >= 0 && (try? TopicName.validate(partition.topic)) != nil
    }

    /// Before UpdateMetadata v3, endpoints name their security protocol, whose name is the listener's.
    static func listenerName(securityProtocol: Int16) -> String {
        switch securityProtocol {
        case 1: "SSL"
        case 2: "SASL_PLAINTEXT"
        case 3: "SASL_SSL"
        default: "PLAINTEXT"
        }
    }
}
