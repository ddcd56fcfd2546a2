import KafkaProtocol
import Storage

extension BrokerApis {
    /// Kafka's `handleListOffsetRequest`: earliest (-2), latest (-1, the high watermark for consumers, which is
    /// also the last stable offset without transactions) or the first offset at or after a timestamp, from the
    /// partition's leader. v0 answers in its old list form. Lookups by time read (and may decompress) a batch, so
    /// they run on the I/O threads.
    func listOffsets(_ request: ListOffsetsRequest, _ context: RequestContext) async -> ListOffsetsResponse {
        await replicaManager.onIOThread { [self] in listOffsetsNow(request, context) }
    }

    private func listOffsetsNow(_ request: ListOffsetsRequest, _ context: RequestContext) -> ListOffsetsResponse {
        ListOffsetsResponse(topics: request.topics.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map { partition in
                let tp = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                let found = replicaManager.fetchOffset(
                    tp, timestamp: partition.timestamp, replicaId: request.replicaId,
                    currentLeaderEpoch: partition.currentLeaderEpoch)
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
