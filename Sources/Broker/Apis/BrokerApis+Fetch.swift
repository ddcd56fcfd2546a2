import KafkaProtocol
import NIOCore
import Storage

extension BrokerApis {
    /// Kafka's `handleFetchRequest`: reads each partition (whole batches, KIP-74 limits), parks in the purgatory
    /// while fewer than `min_bytes` are there, and answers with the records as file regions (sendfile) or copies,
    /// per `zero.copy.fetch.enable`. Fetch sessions (v7+) are declined with session id 0, which clients accept
    /// by sending full fetches.
    func fetch(_ request: FetchRequest, _ context: RequestContext) async -> FetchResponse {
        if request.sessionId != 0 {
            return FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0)
        }
        let parameters = FetchParameters(
            replicaId: request.replicaId, maxWait: .milliseconds(Int64(max(0, request.maxWaitMs))),
            minBytes: Int(max(0, request.minBytes)), maxBytes: min(Int(max(0, request.maxBytes)), settings.fetchMaxBytes))
        let partitions = request.topics.flatMap { topic in
            topic.partitions.map {
                FetchPartitionRequest(
                    topicPartition: TopicPartition(topic: topic.topic, partition: $0.partition), fetchOffset: $0.fetchOffset,
                    maxBytes: Int(max(0, $0.partitionMaxBytes)), currentLeaderEpoch: $0.currentLeaderEpoch)
            }
        }
        var results = await replicaManager.fetchMessages(parameters, partitions: partitions)[...]
        let readCommitted = request.isolationLevel == 1
        let responses = request.topics.map { topic in
            FetchResponse.FetchableTopicResponse(topic: topic.topic, partitions: topic.partitions.map { _ in
                let result = results.removeFirst()
                return FetchResponse.PartitionData(
                    partitionIndex: result.topicPartition.partition, errorCode: result.errorCode.rawValue,
                    highWatermark: result.highWatermark, lastStableOffset: result.highWatermark,
                    logStartOffset: result.logStartOffset, abortedTransactions: readCommitted ? [] : nil,
                    records: records(result))
            })
        }
        return FetchResponse(errorCode: 0, sessionId: 0, responses: responses)
    }

    private func records(_ result: FetchPartitionResult) -> KafkaRecords {
        guard let slice = result.records, slice.count > 0 else { return .bytes(ByteBuffer()) }
        if settings.zeroCopyFetch { return .region(slice) }
        do {
            return .bytes(ByteBuffer(bytes: try slice.readBytes()))
        } catch {
            logger.error("Reading \(result.topicPartition) for a fetch failed: \(error)")
            return .bytes(ByteBuffer())
        }
    }
}
