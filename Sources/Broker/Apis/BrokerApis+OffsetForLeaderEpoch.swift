import KafkaProtocol
import Storage

extension BrokerApis {
    /// Kafka's `handleOffsetForLeaderEpochRequest`: for each partition this broker leads, the largest leader epoch
    /// not above the one asked for and where it ends in the leader's log (KIP-101). Followers use it to find where
    /// their log diverges (`ReplicaFetcher+Truncation`); consumers to detect truncation after a leader change
    /// (KIP-320). The request's current leader epoch fences stale callers (FENCED_LEADER_EPOCH,
    /// UNKNOWN_LEADER_EPOCH); an epoch this log cannot place is answered with epoch and offset -1.
    ///
    /// A broker with CLUSTER_ACTION may ask about any topic; anyone else needs DESCRIBE on each topic, else its
    /// partitions are TOPIC_AUTHORIZATION_FAILED (KIP-320 opened the API to consumers).
    func offsetForLeaderEpoch(_ request: OffsetForLeaderEpochRequest, _ context: RequestContext) -> OffsetForLeaderEpochResponse {
        let auth = authorizer(context)
        let describable =
            auth.authorizeCluster(.clusterAction, logIfDenied: false)
            ? Set(request.topics.map(\.topic)) : auth.filterByAuthorized(.describe, .topic, request.topics.map(\.topic))
        return OffsetForLeaderEpochResponse(topics: request.topics.map { topic in
            .init(topic: topic.topic, partitions: topic.partitions.map { partition in
                guard describable.contains(topic.topic) else {
                    return .init(errorCode: ErrorCode.topicAuthorizationFailed.rawValue, partition: partition.partition)
                }
                let tp = TopicPartition(topic: topic.topic, partition: partition.partition)
                switch replicaManager.leaderPartition(tp, currentLeaderEpoch: partition.currentLeaderEpoch) {
                case .failure(let code):
                    return .init(errorCode: code.rawValue, partition: partition.partition)
                case .success(let leader):
                    guard let found = leader.log.endOffset(forEpoch: partition.leaderEpoch) else {
                        return .init(errorCode: 0, partition: partition.partition, leaderEpoch: -1, endOffset: -1)
                    }
                    return .init(errorCode: 0, partition: partition.partition, leaderEpoch: found.epoch, endOffset: found.endOffset)
                }
            })
        })
    }
}
