import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDescribeProducersRequest` (KIP-664): the active producers of each partition this broker leads,
    /// with their epoch, last sequence and timestamp, coordinator epoch and the first offset of their open
    /// transaction (-1 when none). Needs READ on the topic.
    func describeProducers(_ request: DescribeProducersRequest, _ context: RequestContext) -> DescribeProducersResponse {
        let readable = authorizer(context).filterByAuthorized(.read, .topic, request.topics.map(\.name))
        return DescribeProducersResponse(topics: request.topics.map { topic in
            let topicError: ErrorCode? =
                !readable.contains(topic.name) ? .topicAuthorizationFailed
                : !metadataCache.contains(topic: topic.name) ? .unknownTopicOrPartition : nil
            return DescribeProducersResponse.TopicResponse(name: topic.name, partitions: topic.partitionIndexes.map { index in
                if let topicError {
                    return DescribeProducersResponse.PartitionResponse(partitionIndex: index, errorCode: topicError.rawValue)
                }
                return activeProducers(TopicPartition(topic: topic.name, partition: index))
            })
        })
    }

    /// Kafka's `ReplicaManager.activeProducerState`: only the leader answers.
    private func activeProducers(_ topicPartition: TopicPartition) -> DescribeProducersResponse.PartitionResponse {
        switch replicaManager.leaderPartition(topicPartition) {
        case .failure(let error):
            return DescribeProducersResponse.PartitionResponse(
                partitionIndex: topicPartition.partition, errorCode: error.rawValue)
        case .success(let partition):
            let producers = partition.log.producers.sorted { $0.key < $1.key }.map { producerId, entry in
                DescribeProducersResponse.ProducerState(
                    producerId: producerId, producerEpoch: Int32(entry.producerEpoch), lastSequence: entry.lastSequence,
                    lastTimestamp: entry.lastTimestamp, coordinatorEpoch: entry.coordinatorEpoch,
                    currentTxnStartOffset: entry.currentTxnFirstOffset ?? -1)
            }
            return DescribeProducersResponse.PartitionResponse(
                partitionIndex: topicPartition.partition, errorCode: ErrorCode.noError.rawValue, activeProducers: producers)
        }
    }
}
