import Coordination
import KafkaProtocol

/// TxnOffsetCommit (Kafka's `KafkaApis.handleTxnOffsetCommitRequest`): a transactional producer commits a
/// consumer group's offsets inside its transaction; they become the group's committed offsets when the
/// transaction's commit marker reaches the group coordinator (`GroupCoordinator.completeTransaction`).
/// Needs WRITE on the transactional id, READ on the group and READ on each topic, checked in Kafka's order.
extension BrokerApis {
    func txnOffsetCommit(_ request: TxnOffsetCommitRequest, _ context: RequestContext) async -> TxnOffsetCommitResponse {
        let auth = authorizer(context)
        let partitions = request.topics.flatMap { topic in topic.partitions.map { TopicPartition(topic.name, $0.partitionIndex) } }
        func respond(_ errors: [TopicPartition: ErrorCode]) -> TxnOffsetCommitResponse {
            TxnOffsetCommitResponse(topics: Self.grouped(partitions).map { topic, indexes in
                .init(name: topic, partitions: indexes.map { index in
                    var error = errors[TopicPartition(topic, index)] ?? .unknownServerError
                    // Kafka: producers before 2.3 (v0-1) may not expect a load in progress here (KAFKA-7296).
                    if context.apiVersion < 2 && error == .coordinatorLoadInProgress { error = .coordinatorNotAvailable }
                    return .init(partitionIndex: index, errorCode: error.rawValue)
                })
            })
        }
        func everyPartition(_ error: ErrorCode) -> [TopicPartition: ErrorCode] {
            Dictionary(partitions.map { ($0, error) }, uniquingKeysWith: { first, _ in first })
        }
        guard auth.authorize(.write, .transactionalId, request.transactionalId) else {
            return respond(everyPartition(.transactionalIdAuthorizationFailed))
        }
        guard auth.authorize(.read, .group, request.groupId) else {
            return respond(everyPartition(.groupAuthorizationFailed))
        }
        let readable = auth.filterByAuthorized(.read, .topic, request.topics.map(\.name))
        let nowMs = GroupCoordinator.nowMs()
        var offsets: [TopicPartition: OffsetAndMetadata] = [:]
        var refused: [TopicPartition: ErrorCode] = [:]
        for topic in request.topics {
            for partition in topic.partitions {
                let key = TopicPartition(topic.name, partition.partitionIndex)
                guard readable.contains(topic.name) else {
                    refused[key] = .topicAuthorizationFailed
                    continue
                }
                // Transactional offsets never carry their own retention (Kafka's `convertTxnOffsets`).
                offsets[key] = OffsetAndMetadata(
                    offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch,
                    metadata: partition.committedMetadata ?? "", commitTimestampMs: nowMs)
            }
        }
        // Kafka does not bother the coordinator when nothing is left to commit.
        guard !offsets.isEmpty else { return respond(refused) }
        let errors = await groupCoordinator.txnCommitOffsets(
            request.groupId,
            .init(
                transactionalId: request.transactionalId, producerId: request.producerId,
                producerEpoch: request.producerEpoch, memberId: request.memberId,
                groupInstanceId: request.groupInstanceId, generationId: request.generationId, offsets: offsets))
        return respond(errors.merging(refused) { _, refusal in refusal })
    }
}
