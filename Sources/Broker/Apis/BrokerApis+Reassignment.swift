import Coordination
import KafkaProtocol

/// AlterPartitionReassignments and ListPartitionReassignments (KIP-455), answered by the controller (else
/// NOT_CONTROLLER at the top level, as Kafka does). Altering needs ALTER on the cluster, listing DESCRIBE, else
/// CLUSTER_AUTHORIZATION_FAILED for the request and everything it names.
extension BrokerApis {
    func alterPartitionReassignments(
        _ request: AlterPartitionReassignmentsRequest, _ context: RequestContext
    ) async -> AlterPartitionReassignmentsResponse {
        guard authorizer(context).authorizeCluster(.alter) else {
            let error = ErrorCode.clusterAuthorizationFailed.rawValue
            let message = Self.clusterAuthorizationMessage(context)
            return AlterPartitionReassignmentsResponse(
                errorCode: error, errorMessage: message,
                responses: request.topics.map { topic in
                    .init(name: topic.name, partitions: topic.partitions.map {
                        .init(partitionIndex: $0.partitionIndex, errorCode: error, errorMessage: message)
                    })
                })
        }
        guard let controller = zkSession.membership?.activeController else {
            return AlterPartitionReassignmentsResponse(errorCode: ErrorCode.notController.rawValue)
        }
        var requested: [TopicPartition: [Int32]?] = [:]
        for topic in request.topics {
            for partition in topic.partitions { requested[TopicPartition(topic.name, partition.partitionIndex)] = partition.replicas }
        }
        // New replicas need descriptors like new partitions do: past a broker's budget, POLICY_VIOLATION.
        var refused: [TopicPartition: ApiError] = [:]
        for (partition, target) in requested {
            guard let target, let current = metadataCache.partition(partition.topic, partition.partition) else { continue }
            do {
                try replicaLimit.check(adding: [target.filter { !current.replicas.contains($0) }])
            } catch {
                refused[partition] = ApiError(error.code, error.message)
            }
        }
        let accepted = requested.filter { refused[$0.key] == nil }
        var results = refused
        if !accepted.isEmpty {
            guard let answered = await controller.alterPartitionReassignments(accepted) else {
                return AlterPartitionReassignmentsResponse(errorCode: ErrorCode.notController.rawValue)
            }
            results.merge(answered) { _, controller in controller }
        }
        return AlterPartitionReassignmentsResponse(
            errorCode: 0,
            responses: request.topics.map { topic in
                .init(name: topic.name, partitions: topic.partitions.map { partition in
                    let result = results[TopicPartition(topic.name, partition.partitionIndex)] ?? ApiError(.unknownServerError)
                    return .init(partitionIndex: partition.partitionIndex, errorCode: result.code.rawValue, errorMessage: result.message)
                })
            })
    }

    func listPartitionReassignments(
        _ request: ListPartitionReassignmentsRequest, _ context: RequestContext
    ) async -> ListPartitionReassignmentsResponse {
        guard authorizer(context).authorizeCluster(.describe) else {
            return ListPartitionReassignmentsResponse(
                errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: Self.clusterAuthorizationMessage(context),
                topics: (request.topics ?? []).map { topic in
                    .init(name: topic.name, partitions: topic.partitionIndexes.map { .init(partitionIndex: $0) })
                })
        }
        let partitions = request.topics.map { topics in
            topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic.name, $0) } }
        }
        guard let controller = zkSession.membership?.activeController,
            let ongoing = await controller.listPartitionReassignments(partitions)
        else {
            return ListPartitionReassignmentsResponse(errorCode: ErrorCode.notController.rawValue)
        }
        let byTopic = Dictionary(grouping: ongoing.keys, by: \.topic)
        return ListPartitionReassignmentsResponse(
            errorCode: 0,
            topics: byTopic.keys.sorted().map { topic in
                .init(name: topic, partitions: byTopic[topic]!.sorted().map { partition in
                    let assignment = ongoing[partition]!
                    return .init(
                        partitionIndex: partition.partition, replicas: assignment.replicas,
                        addingReplicas: assignment.addingReplicas, removingReplicas: assignment.removingReplicas)
                })
            })
    }
}
