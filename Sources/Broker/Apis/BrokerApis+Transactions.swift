import KafkaProtocol

/// The transactional producer's requests to its transaction coordinator (Kafka's `handleAddPartitionToTxnRequest`,
/// `handleAddOffsetsToTxnRequest`, `handleEndTxnRequest`): authorization here, the decisions in
/// `TransactionCoordinator`.
extension BrokerApis {
    /// Every partition must be writable and exist, else nothing is added: the failed ones get their error and the
    /// others OPERATION_NOT_ATTEMPTED, as Kafka answers. Needs WRITE on the transactional id and on each topic.
    func addPartitionsToTxn(_ request: AddPartitionsToTxnRequest, _ context: RequestContext) async -> AddPartitionsToTxnResponse {
        let requested = request.topics.flatMap { topic in
            topic.partitions.map { TopicPartition(topic: topic.name, partition: $0) }
        }
        func respond(_ error: (TopicPartition) -> ErrorCode) -> AddPartitionsToTxnResponse {
            Self.addPartitionsResponse(request, error)
        }
        let auth = authorizer(context)
        guard auth.authorize(.write, .transactionalId, request.transactionalId) else {
            return respond { _ in .transactionalIdAuthorizationFailed }
        }
        let writable = auth.filterByAuthorized(.write, .topic, requested.map(\.topic))
        var failed: [TopicPartition: ErrorCode] = [:]
        for partition in requested {
            if !writable.contains(partition.topic) {
                failed[partition] = .topicAuthorizationFailed
            } else if !metadataCache.contains(topic: partition.topic, partition: partition.partition) {
                failed[partition] = .unknownTopicOrPartition
            }
        }
        if !failed.isEmpty {
            return respond { failed[$0] ?? .operationNotAttempted }
        }
        let error = await transactionCoordinator.addPartitions(
            transactionalId: request.transactionalId, producerId: request.producerId,
            producerEpoch: request.producerEpoch, partitions: requested, nowMs: TransactionCoordinator.nowMs())
        let answered = Self.downgradeProducerFenced(error, version: context.apiVersion)
        return respond { _ in answered }
    }

    /// Adds the group's offsets to the transaction. Needs WRITE on the transactional id and READ on the group.
    func addOffsetsToTxn(_ request: AddOffsetsToTxnRequest, _ context: RequestContext) async -> AddOffsetsToTxnResponse {
        let auth = authorizer(context)
        guard auth.authorize(.write, .transactionalId, request.transactionalId) else {
            return AddOffsetsToTxnResponse(errorCode: ErrorCode.transactionalIdAuthorizationFailed.rawValue)
        }
        guard auth.authorize(.read, .group, request.groupId) else {
            return AddOffsetsToTxnResponse(errorCode: ErrorCode.groupAuthorizationFailed.rawValue)
        }
        guard GroupCoordinator.isValidGroupId(request.groupId) else {
            return AddOffsetsToTxnResponse(errorCode: ErrorCode.invalidGroupId.rawValue)
        }
        let error = await transactionCoordinator.addOffsets(
            transactionalId: request.transactionalId, producerId: request.producerId,
            producerEpoch: request.producerEpoch, groupId: request.groupId, nowMs: TransactionCoordinator.nowMs())
        return AddOffsetsToTxnResponse(errorCode: Self.downgradeProducerFenced(error, version: context.apiVersion).rawValue)
    }

    /// Commits or aborts. Answered once the decision is durable in ZooKeeper; the markers follow.
    func endTxn(_ request: EndTxnRequest, _ context: RequestContext) async -> EndTxnResponse {
        guard authorizer(context).authorize(.write, .transactionalId, request.transactionalId) else {
            return EndTxnResponse(errorCode: ErrorCode.transactionalIdAuthorizationFailed.rawValue)
        }
        let error = await transactionCoordinator.endTransaction(
            transactionalId: request.transactionalId, producerId: request.producerId,
            producerEpoch: request.producerEpoch, commit: request.committed, nowMs: TransactionCoordinator.nowMs())
        return EndTxnResponse(errorCode: Self.downgradeProducerFenced(error, version: context.apiVersion).rawValue)
    }

    /// Kafka's rule for these APIs: clients of v0-1 do not know PRODUCER_FENCED and get INVALID_PRODUCER_EPOCH,
    /// which they handle the same way.
    static func downgradeProducerFenced(_ error: ErrorCode, version: Int16) -> ErrorCode {
        version < 2 && error == .producerFenced ? .invalidProducerEpoch : error
    }

    private static func addPartitionsResponse(
        _ request: AddPartitionsToTxnRequest, _ error: (TopicPartition) -> ErrorCode
    ) -> AddPartitionsToTxnResponse {
        AddPartitionsToTxnResponse(results: request.topics.map { topic in
            AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult(name: topic.name, results: topic.partitions.map { index in
                AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult(
                    partitionIndex: index, errorCode: error(TopicPartition(topic: topic.name, partition: index)).rawValue)
            })
        })
    }
}
