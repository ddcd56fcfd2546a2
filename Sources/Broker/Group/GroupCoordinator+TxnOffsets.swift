import Coordination
import KafkaProtocol

/// One producer's transaction in one group: what concurrent markers for the same transaction are serialized by.
struct TransactionCompletionKey: Hashable, Sendable {
    var groupId: String
    var producerId: Int64
}

/// TxnOffsetCommit and the transaction markers that complete its offsets (Kafka's
/// `GroupCoordinator.handleTxnCommitOffsets` and `GroupMetadataManager.handleTxnCompletion`).
extension GroupCoordinator {
    /// TxnOffsetCommit: one error per partition. Unknown partitions and too long metadata are refused one by one as
    /// in OffsetCommit; a group nobody uses yet is created (a producer committing for `assign()` consumers). The
    /// rest become the producer's pending offsets in `/consumers/<g>/txn_offsets/<producerId>`.
    func txnCommitOffsets(_ groupId: String, _ request: GroupMetadata.TxnCommitParameters) async -> [TopicPartition: ErrorCode] {
        let all = request.offsets
        guard Self.isValidGroupId(groupId) else { return all.mapValues { _ in .invalidGroupId } }
        var errors: [TopicPartition: ErrorCode] = [:]
        for (partition, offset) in all {
            if !metadataCache.contains(topic: partition.topic, partition: partition.partition) {
                errors[partition] = .unknownTopicOrPartition
            } else if offset.metadata.utf8.count > configuration.offsetMetadataMaxBytes {
                errors[partition] = .offsetMetadataTooLarge
            }
        }
        var valid = request
        valid.offsets = all.filter { errors[$0.key] == nil }
        if valid.offsets.isEmpty { return errors }
        let outcome = await writeTxnOffsets(groupId, valid)
        return errors.merging(valid.offsets.mapValues { _ in outcome }) { first, _ in first }
    }

    private func writeTxnOffsets(_ groupId: String, _ request: GroupMetadata.TxnCommitParameters) async -> ErrorCode {
        if case .failure(let error) = await group(groupId, create: true) { return error }
        guard case .loaded(let loaded) = groups[groupId],
            let decision = apply(groupId, { group in (group.prepareTxnOffsetCommit(request), [GroupAction]()) })
        else { return .notCoordinator }
        guard case .write(let pending, let previous) = decision else {
            if case .reject(let error) = decision { return error }
            return .unknownServerError
        }
        var result = ErrorCode.noError
        do {
            try await store.writeTransaction(group: groupId, fence: loaded.fence, producerId: request.producerId, pending: pending)
        } catch {
            result = Self.errorCode(for: error)
            logger.warning("Writing the transactional offsets of producer \(request.producerId) for group \(groupId) failed: \(error)")
        }
        if case .loaded(let current) = groups[groupId], current.fence == loaded.fence {
            applyActions(groupId) { group in
                group.txnOffsetsWritten(request, previous: previous, error: result)
                return []
            }
        }
        if result == .notCoordinator { unloadIfFenced(groupId, fence: loaded.fence) }
        return result
    }

    /// A transaction marker for the group coordinator: each group's offsets of the producer's transaction become
    /// committed offsets (`commit`) or are dropped. A group with nothing pending from the producer is a success
    /// (markers are retried). Returns the first error of any group, NOT_COORDINATOR when this broker does not
    /// coordinate one of them (the sender looks the coordinator up again and retries); the other groups are still
    /// completed.
    func completeTransaction(groupIds: [String], producerId: Int64, commit: Bool) async -> ErrorCode {
        var first = ErrorCode.noError
        for groupId in groupIds {
            let error = await completeTransaction(groupId, producerId: producerId, commit: commit)
            if first == .noError { first = error }
        }
        return first
    }

    private func completeTransaction(_ groupId: String, producerId: Int64, commit: Bool) async -> ErrorCode {
        let key = TransactionCompletionKey(groupId: groupId, producerId: producerId)
        // The same marker retried while it is applied waits for it, then finds nothing left to do.
        while let running = transactionCompletions[key] { _ = await running.value }
        let task = Task { await self.applyTransactionMarker(groupId, producerId: producerId, commit: commit) }
        transactionCompletions[key] = task
        let result = await task.value
        if transactionCompletions[key] == task { transactionCompletions[key] = nil }
        return result
    }

    private func applyTransactionMarker(_ groupId: String, producerId: Int64, commit: Bool) async -> ErrorCode {
        // TxnOffsetCommit refuses such names, so no offsets can be pending under one; an error would only make
        // the sender retry the marker forever.
        guard Self.isValidGroupId(groupId) else { return .noError }
        // Loaded even if it has no committed offset yet: its only state may be this transaction's.
        if case .failure(let error) = await group(groupId, create: true) { return error }
        guard case .loaded(let loaded) = groups[groupId] else { return .notCoordinator }
        do {
            guard let committed = loaded.metadata.transactionCompletion(producerId: producerId, commit: commit) else {
                // Nothing pending here: a success only from the group's current coordinator.
                try await store.verify(group: groupId, fence: loaded.fence)
                return .noError
            }
            try await store.completeTransaction(group: groupId, fence: loaded.fence, producerId: producerId, commits: committed)
            if case .loaded(let current) = groups[groupId], current.fence == loaded.fence {
                applyActions(groupId) { group in
                    group.transactionCompleted(producerId: producerId, committed: committed)
                    return []
                }
            }
            logger.info("\(commit ? "Committed" : "Aborted") the transactional offsets of producer \(producerId) in group \(groupId) (\(committed.count) offsets written)")
            return .noError
        } catch {
            logger.warning("Completing the transaction of producer \(producerId) in group \(groupId) failed: \(error)")
            let code = Self.errorCode(for: error)
            if code == .notCoordinator { unloadIfFenced(groupId, fence: loaded.fence) }
            return code
        }
    }
}
