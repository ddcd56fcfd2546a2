import KafkaProtocol

/// One partition's answer to `deleteRecords`.
public struct DeleteRecordsOutcome: Sendable {
    public var topicPartition: TopicPartition
    /// The partition's low watermark after the deletion, or why it failed.
    public var lowWatermark: Result<Int64, KafkaClientError>
}

/// One broker's log dirs, as DescribeLogDirs answers.
public struct BrokerLogDirs: Sendable {
    public struct LogDir: Sendable {
        public var path: String
        public var errorCode: ErrorCode
        public var replicas: [Replica]
    }

    public struct Replica: Sendable {
        public var topicPartition: TopicPartition
        public var sizeInBytes: Int64
        public var offsetLag: Int64
        public var isFuture: Bool
    }

    public var brokerId: Int32
    public var logDirs: [LogDir]
}

extension KafkaClusterClient {
    /// Deletes the records before each offset (-1: up to the high watermark), one request per partition to its
    /// leader, retrying while leadership moves (Admin.deleteRecords). Every partition has an outcome, in order.
    public func deleteRecords(
        _ offsets: [(topicPartition: TopicPartition, offset: Int64)], timeout: Duration = .seconds(30)
    ) async -> [DeleteRecordsOutcome] {
        var outcomes: [DeleteRecordsOutcome] = []
        for (tp, offset) in offsets {
            do {
                let low = try await withRetries("DeleteRecords for \(tp)", timeout: timeout) {
                    () async throws(KafkaClientError) -> Int64 in
                    try await deleteRecordsOnLeader(tp, offset: offset, timeout: timeout)
                }
                outcomes.append(DeleteRecordsOutcome(topicPartition: tp, lowWatermark: .success(low)))
            } catch {
                outcomes.append(DeleteRecordsOutcome(topicPartition: tp, lowWatermark: .failure(error)))
            }
        }
        return outcomes
    }

    private func deleteRecordsOnLeader(
        _ tp: TopicPartition, offset: Int64, timeout: Duration
    ) async throws(KafkaClientError) -> Int64 {
        let connection = try await leaderConnection(topic: tp.topic, partition: tp.partition)
        let version = try connection.negotiatedVersion(DeleteRecordsRequest.self)
        var request = DeleteRecordsRequest()
        request.topics = [.init(name: tp.topic, partitions: [.init(partitionIndex: tp.partition, offset: offset)])]
        request.timeoutMs = Int32(clamping: timeout.milliseconds)
        let response = try await connection.send(request, version: version)
        let answer = response.topics.first { $0.name == tp.topic }?.partitions.first { $0.partitionIndex == tp.partition }
        guard let answer else {
            throw .decodingFailed(api: .deleteRecords, version: version, reason: "no answer for \(tp)")
        }
        let error = ErrorCode(rawValue: answer.errorCode)
        guard error == .noError else { throw .broker(error, context: "DeleteRecords for \(tp)", message: nil) }
        return answer.lowWatermark
    }

    /// The log dirs of broker `brokerId` and the replicas in them (`topics` nil: every partition).
    public func describeLogDirs(
        brokerId: Int32, topics: [String: [Int32]]? = nil
    ) async throws(KafkaClientError) -> BrokerLogDirs {
        try await withRetries("DescribeLogDirs on broker \(brokerId)", timeout: nil) {
            () async throws(KafkaClientError) -> BrokerLogDirs in
            let connection = try await connection(toBroker: brokerId)
            let version = try connection.negotiatedVersion(DescribeLogDirsRequest.self)
            var request = DescribeLogDirsRequest()
            request.topics = topics.map { $0.map { .init(topic: $0.key, partitionIndex: $0.value) } }
            let response = try await connection.send(request, version: version)
            return BrokerLogDirs(brokerId: brokerId, logDirs: response.results.map { result in
                BrokerLogDirs.LogDir(
                    path: result.logDir, errorCode: ErrorCode(rawValue: result.errorCode),
                    replicas: result.topics.flatMap { topic in
                        topic.partitions.map {
                            BrokerLogDirs.Replica(
                                topicPartition: TopicPartition(topic: topic.name, partition: $0.partitionIndex),
                                sizeInBytes: $0.partitionSize, offsetLag: $0.offsetLag, isFuture: $0.isFutureKey)
                        }
                    })
            })
        }
    }
}
