import KafkaProtocol

/// One ongoing reassignment, as ListPartitionReassignments reports it.
public struct OngoingReassignment: Sendable, Hashable {
    public var partition: TopicPartition
    public var replicas: [Int32]
    public var addingReplicas: [Int32]
    public var removingReplicas: [Int32]
}

extension KafkaClusterClient {
    /// AlterPartitionReassignments through the controller (Kafka's `Admin.alterPartitionReassignments`): a nil
    /// target cancels. Per-partition errors are in the answer (`.noError` when started); NOT_CONTROLLER is retried.
    public func alterPartitionReassignments(
        _ reassignments: [TopicPartition: [Int32]?], timeout: Duration = .seconds(60)
    ) async throws(KafkaClientError) -> [TopicPartition: (ErrorCode, String?)] {
        try await withRetries("AlterPartitionReassignments", timeout: timeout + configuration.connection.requestTimeout) {
            () async throws(KafkaClientError) -> [TopicPartition: (ErrorCode, String?)] in
            let connection = try await controllerConnection()
            let version = try connection.negotiatedVersion(AlterPartitionReassignmentsRequest.self)
            var request = AlterPartitionReassignmentsRequest(timeoutMs: Int32(clamping: timeout.milliseconds))
            request.topics = Dictionary(grouping: reassignments.keys, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
                .init(name: topic, partitions: partitions.sorted().map { .init(partitionIndex: $0.partition, replicas: reassignments[$0]!) })
            }
            let response = try await connection.send(request, version: version)
            if response.errorCode != 0 {
                throw .broker(ErrorCode(rawValue: response.errorCode), context: "AlterPartitionReassignments", message: response.errorMessage)
            }
            var results: [TopicPartition: (ErrorCode, String?)] = [:]
            for topic in response.responses {
                for partition in topic.partitions {
                    results[TopicPartition(topic.name, partition.partitionIndex)] = (ErrorCode(rawValue: partition.errorCode), partition.errorMessage)
                }
            }
            return results
        }
    }

    /// ListPartitionReassignments through the controller: the ongoing reassignments among `partitions` (nil: all).
    public func listPartitionReassignments(
        _ partitions: [TopicPartition]? = nil, timeout: Duration = .seconds(30)
    ) async throws(KafkaClientError) -> [OngoingReassignment] {
        try await withRetries("ListPartitionReassignments", timeout: timeout) { () async throws(KafkaClientError) -> [OngoingReassignment] in
            let connection = try await controllerConnection()
            let version = try connection.negotiatedVersion(ListPartitionReassignmentsRequest.self)
            var request = ListPartitionReassignmentsRequest(timeoutMs: Int32(clamping: timeout.milliseconds))
            request.topics = partitions.map { partitions in
                Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
                    .init(name: topic, partitionIndexes: partitions.map(\.partition).sorted())
                }
            }
            let response = try await connection.send(request, version: version)
            if response.errorCode != 0 {
                throw .broker(ErrorCode(rawValue: response.errorCode), context: "ListPartitionReassignments", message: response.errorMessage)
            }
            return response.topics.flatMap { topic in
                topic.partitions.map {
                    OngoingReassignment(
                        partition: TopicPartition(topic.name, $0.partitionIndex), replicas: $0.replicas,
                        addingReplicas: $0.addingReplicas, removingReplicas: $0.removingReplicas)
                }
            }
        }
    }
}
