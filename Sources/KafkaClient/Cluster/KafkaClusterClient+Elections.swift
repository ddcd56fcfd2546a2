import KafkaProtocol

/// One partition's answer to ElectLeaders.
public struct LeaderElectionResult: Sendable, Hashable {
    public var partition: TopicPartition
    public var errorCode: ErrorCode
    public var errorMessage: String?

    public init(partition: TopicPartition, errorCode: ErrorCode, errorMessage: String? = nil) {
        self.partition = partition
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

extension KafkaClusterClient {
    /// ElectLeaders through the controller (Kafka's `Admin.electLeaders`): `electionType` 0 preferred, 1 unclean;
    /// `partitions` nil asks for every partition. A NOT_CONTROLLER answer (the controller moved) is sent again.
    public func electLeaders(
        _ partitions: [TopicPartition]?, electionType: Int8, timeout: Duration = .seconds(60)
    ) async throws(KafkaClientError) -> [LeaderElectionResult] {
        try await withRetries("ElectLeaders", timeout: timeout + configuration.connection.requestTimeout) {
            () async throws(KafkaClientError) -> [LeaderElectionResult] in
            let connection = try await controllerConnection()
            let version = try connection.negotiatedVersion(ElectLeadersRequest.self)
            guard version >= 1 || electionType == 0 else {
                throw .unsupportedVersion(api: .electLeaders, version: version)  // v0 only knows preferred elections
            }
            var request = ElectLeadersRequest(electionType: electionType, timeoutMs: Int32(clamping: timeout.milliseconds))
            request.topicPartitions = partitions.map { partitions in
                Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
                    ElectLeadersRequest.TopicPartitions(topic: topic, partitionId: partitions.map(\.partition).sorted())
                }
            }
            let response = try await connection.send(request, version: version, timeout: timeout + configuration.connection.requestTimeout)
            if response.errorCode != 0 {
                throw .broker(ErrorCode(rawValue: response.errorCode), context: "ElectLeaders", message: nil)
            }
            let results = response.replicaElectionResults.flatMap { topic in
                topic.partitionResult.map {
                    LeaderElectionResult(
                        partition: TopicPartition(topic.topic, $0.partitionId), errorCode: ErrorCode(rawValue: $0.errorCode),
                        errorMessage: $0.errorMessage)
                }
            }
            if let moved = results.first(where: { $0.errorCode == .notController }) {
                throw .broker(.notController, context: "ElectLeaders for \(moved.partition)", message: nil)
            }
            return results
        }
    }
}
