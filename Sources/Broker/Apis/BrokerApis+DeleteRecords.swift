import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDeleteRecordsRequest`: partitions the cluster does not know answer UNKNOWN_TOPIC_OR_PARTITION,
    /// the others go to the replica manager, which waits up to `timeout_ms` for their replicas to follow. Each
    /// topic needs DELETE, else its partitions are TOPIC_AUTHORIZATION_FAILED.
    func deleteRecords(_ request: DeleteRecordsRequest, _ context: RequestContext) async -> DeleteRecordsResponse {
        var results: [TopicPartition: DeleteRecordsPartitionResult] = [:]
        var offsets: [TopicPartition: Int64] = [:]
        let deletable = authorizer(context).filterByAuthorized(.delete, .topic, request.topics.map(\.name))
        for topic in request.topics {
            for partition in topic.partitions {
                let tp = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                if !deletable.contains(topic.name) {
                    results[tp] = DeleteRecordsPartitionResult(errorCode: .topicAuthorizationFailed)
                } else if metadataCache.contains(topic: tp.topic, partition: tp.partition) {
                    offsets[tp] = partition.offset
                } else {
                    results[tp] = DeleteRecordsPartitionResult(errorCode: .unknownTopicOrPartition)
                }
            }
        }
        if !offsets.isEmpty {
            let timeout = Self.adminWait(timeoutMs: request.timeoutMs)
            results.merge(await replicaManager.deleteRecords(timeout: timeout, offsets: offsets)) { a, _ in a }
        }
        let byTopic = Dictionary(grouping: results.keys, by: \.topic)
        return DeleteRecordsResponse(topics: byTopic.keys.sorted().map { topic in
            .init(name: topic, partitions: (byTopic[topic] ?? []).map(\.partition).sorted().map { index in
                let result = results[TopicPartition(topic: topic, partition: index)] ?? .init(errorCode: .unknownServerError)
                return .init(partitionIndex: index, lowWatermark: result.lowWatermark, errorCode: result.errorCode.rawValue)
            })
        })
    }
}
