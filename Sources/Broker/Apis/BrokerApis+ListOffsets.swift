import KafkaProtocol
import Storage

extension BrokerApis {
    /// Kafka's `handleListOffsetRequest`: earliest (-2), latest (-1, the high watermark for consumers, the last
    /// stable offset for read_committed ones) or the first offset at or after a timestamp, from the
    /// partition's leader. v0 answers in its old list form. Lookups by time read (and may decompress) a batch, so
    /// they run on the I/O threads. Each topic needs DESCRIBE, else its partitions are TOPIC_AUTHORIZATION_FAILED.
    func listOffsets(_ request: ListOffsetsRequest, _ context: RequestContext) async -> ListOffsetsResponse {
        let describable = authorizer(context).filterByAuthorized(.describe, .topic, request.topics.map(\.name))
        return await replicaManager.onIOThread { [self] in listOffsetsNow(request, context, describable: describable) }
    }

    private func listOffsetsNow(
        _ request: ListOffsetsRequest, _ context: RequestContext, describable: Set<String>
    ) -> ListOffsetsResponse {
        ListOffsetsResponse(topics: request.topics.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map { partition in
                guard describable.contains(topic.name) else {
                    // Kafka's buildErrorResponse: timestamp, offset and leader epoch unknown (-1), no old-style offsets.
                    return .init(partitionIndex: partition.partitionIndex, errorCode: ErrorCode.topicAuthorizationFailed.rawValue)
                }
                let tp = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                let found = replicaManager.fetchOffset(
                    tp, timestamp: partition.timestamp, replicaId: request.replicaId,
                    currentLeaderEpoch: partition.currentLeaderEpoch, readCommitted: request.isolationLevel == 1)
                switch found {
                case .failure(let code):
                    return .init(partitionIndex: partition.partitionIndex, errorCode: code.rawValue)
                case .success(let answer):
                    if context.apiVersion == 0 {
                        let offsets = answer.offset >= 0 && partition.maxNumOffsets > 0 ? [answer.offset] : []
                        return .init(partitionIndex: partition.partitionIndex, errorCode: 0, oldStyleOffsets: offsets)
                    }
                    return .init(
                        partitionIndex: partition.partitionIndex, errorCode: 0, timestamp: answer.timestamp,
                        offset: answer.offset, leaderEpoch: answer.offset >= 0 ? answer.leaderEpoch : -1)
                }
            })
        })
    }
}
