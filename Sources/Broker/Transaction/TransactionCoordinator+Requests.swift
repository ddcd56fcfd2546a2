import KafkaProtocol

/// The four requests a transactional producer sends its coordinator (Kafka's `handleInitProducerId`,
/// `handleAddPartitionsToTransaction` and `handleEndTransaction`; AddOffsetsToTxn adds the group).
///
/// The errors are Kafka 2.8's coordinator errors; the API layer turns PRODUCER_FENCED into INVALID_PRODUCER_EPOCH
/// for request versions that predate it (InitProducerId < 4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn < 2).
extension TransactionCoordinator {
    /// InitProducerId for a transactional id. `expectedProducerId`/`expectedProducerEpoch` are KIP-360's (both -1
    /// for a new producer). An open transaction is aborted first with a bumped epoch and the answer is
    /// CONCURRENT_TRANSACTIONS: the client retries and gets the epoch after that.
    func initProducerId(
        transactionalId: String, transactionTimeoutMs: Int32, expectedProducerId: Int64, expectedProducerEpoch: Int16,
        nowMs: Int64
    ) async -> (error: ErrorCode, producerId: Int64, producerEpoch: Int16) {
        func failed(_ error: ErrorCode) -> (error: ErrorCode, producerId: Int64, producerEpoch: Int16) {
            (error, TransactionMetadata.noProducerId, TransactionMetadata.noProducerEpoch)
        }
        guard !transactionalId.isEmpty else { return failed(.invalidRequest) }
        guard configuration.isValidTransactionTimeout(transactionTimeoutMs) else { return failed(.invalidTransactionTimeout) }
        let expected: (producerId: Int64, epoch: Int16)?
        switch (expectedProducerId, expectedProducerEpoch) {
        case (TransactionMetadata.noProducerId, TransactionMetadata.noProducerEpoch): expected = nil
        case (TransactionMetadata.noProducerId, _), (_, TransactionMetadata.noProducerEpoch): return failed(.invalidRequest)
        case (let id, let epoch): expected = (id, epoch)
        }
        let producerIds = self.producerIds
        let newId: @Sendable () async throws -> TransactionMetadata = {
            TransactionMetadata(
                transactionalId: transactionalId, producerId: try await producerIds.generateProducerId(),
                producerEpoch: TransactionMetadata.noProducerEpoch, txnTimeoutMs: transactionTimeoutMs, state: .empty,
                txnLastUpdateTimestampMs: nowMs)
        }
        var freshProducerId: Int64?
        // At most one round for a fresh producer id (an exhausted epoch), one to use it.
        for _ in 0..<2 {
            let entry: Entry
            switch await self.entry(transactionalId, createWith: newId) {
            case .failure(let error): return failed(error)
            case .success(nil): return failed(.coordinatorNotAvailable)  // only if the znode vanished while claiming
            case .success(let found?): entry = found
            }
            var metadata = entry.metadata
            switch metadata.prepareInitProducerId(
                transactionTimeoutMs: transactionTimeoutMs, expected: expected, freshProducerId: freshProducerId, nowMs: nowMs)
            {
            case .fail(let error):
                return failed(error)
            case .needsProducerId:
                do {
                    freshProducerId = try await producerIds.generateProducerId()
                } catch {
                    logger.error("No producer id for transactional id \(transactionalId): \(error)")
                    return failed(.coordinatorNotAvailable)
                }
            case .write(let transit):
                update(transactionalId, metadata)
                let error = await write(transactionalId, transit)
                guard error == .noError else { return failed(error) }
                logger.info("Initialized transactional id \(transactionalId) with producer id \(transit.producerId) and epoch \(transit.producerEpoch)")
                return (.noError, transit.producerId, transit.producerEpoch)
            case .fenceAndAbort(let fence):
                update(transactionalId, metadata)
                let error = await endLoaded(
                    transactionalId, producerId: fence.producerId, producerEpoch: fence.producerEpoch, commit: false,
                    isFromClient: false, nowMs: nowMs)
                return failed(error == .noError ? .concurrentTransactions : error)
            }
        }
        return failed(.concurrentTransactions)
    }

    /// AddPartitionsToTxn: one error for all partitions (the API layer answers it for each).
    func addPartitions(
        transactionalId: String, producerId: Int64, producerEpoch: Int16, partitions: [TopicPartition], nowMs: Int64
    ) async -> ErrorCode {
        await add(transactionalId, producerId: producerId, producerEpoch: producerEpoch, partitions: Set(partitions), groups: [], nowMs: nowMs)
    }

    /// AddOffsetsToTxn: the group's coordinator will get the transaction's markers too.
    func addOffsets(transactionalId: String, producerId: Int64, producerEpoch: Int16, groupId: String, nowMs: Int64) async -> ErrorCode {
        await add(transactionalId, producerId: producerId, producerEpoch: producerEpoch, partitions: [], groups: [groupId], nowMs: nowMs)
    }

    /// EndTxn: answers once PrepareCommit or PrepareAbort is in ZooKeeper; the markers follow.
    func endTransaction(transactionalId: String, producerId: Int64, producerEpoch: Int16, commit: Bool, nowMs: Int64) async -> ErrorCode {
        guard !transactionalId.isEmpty else { return .invalidRequest }
        switch await entry(transactionalId) {
        case .failure(let error): return error
        case .success(nil): return .invalidProducerIdMapping
        case .success(.some): break
        }
        return await endLoaded(
            transactionalId, producerId: producerId, producerEpoch: producerEpoch, commit: commit, isFromClient: true, nowMs: nowMs)
    }

    private func add(
        _ transactionalId: String, producerId: Int64, producerEpoch: Int16, partitions: Set<TopicPartition>,
        groups: Set<String>, nowMs: Int64
    ) async -> ErrorCode {
        guard !transactionalId.isEmpty else { return .invalidRequest }
        let entry: Entry
        switch await self.entry(transactionalId) {
        case .failure(let error): return error
        case .success(nil): return .invalidProducerIdMapping
        case .success(let found?): entry = found
        }
        var metadata = entry.metadata
        switch metadata.prepareAdd(producerId: producerId, producerEpoch: producerEpoch, partitions: partitions, groups: groups, nowMs: nowMs) {
        case .answer(let error):
            return error
        case .write(let transit):
            update(transactionalId, metadata)
            return await write(transactionalId, transit)
        }
    }

    /// Ends the loaded id's transaction: prepares at once (no suspension before it, so an epoch fence set just
    /// before is still pending), writes Prepare*, then starts the markers.
    func endLoaded(
        _ transactionalId: String, producerId: Int64, producerEpoch: Int16, commit: Bool, isFromClient: Bool, nowMs: Int64
    ) async -> ErrorCode {
        guard case .loaded(let entry) = ids[transactionalId] else { return .notCoordinator }
        var metadata = entry.metadata
        let decision = metadata.prepareEndTransaction(
            producerId: producerId, producerEpoch: producerEpoch, commit: commit, isFromClient: isFromClient, nowMs: nowMs)
        switch decision {
        case .answer(let error):
            if metadata.pendingState == .prepareEpochFence { metadata.abandonPending() }
            update(transactionalId, metadata)
            return error
        case .write(let transit):
            update(transactionalId, metadata)
            let error = await write(transactionalId, transit)
            guard error == .noError else { return error }
            completeTransaction(transactionalId)
            return .noError
        }
    }
}
