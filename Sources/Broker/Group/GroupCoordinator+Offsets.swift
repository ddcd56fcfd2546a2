import Coordination
import KafkaProtocol

/// OffsetCommit, OffsetFetch, OffsetDelete and offset expiry.
extension GroupCoordinator {
    /// OffsetCommit: one error per partition. Partitions of unknown topics and commits whose metadata is too long
    /// are refused one by one, as Kafka does; the rest are written in one all-or-nothing ZooKeeper write.
    func commitOffsets(_ groupId: String, _ request: GroupMetadata.CommitParameters) async -> [TopicPartition: ErrorCode] {
        let all = request.offsets
        guard Self.isValidGroupId(groupId) else { return all.mapValues { _ in .invalidGroupId } }
        var errors: [TopicPartition: ErrorCode] = [:]
        var valid = request
        for (partition, offset) in all {
            if !metadataCache.contains(topic: partition.topic, partition: partition.partition) {
                errors[partition] = .unknownTopicOrPartition
            } else if offset.metadata.utf8.count > configuration.offsetMetadataMaxBytes {
                errors[partition] = .offsetMetadataTooLarge
            }
        }
        valid.offsets = all.filter { errors[$0.key] == nil }
        if valid.offsets.isEmpty { return errors }
        if case .failure(let error) = await group(groupId, create: true) {
            return all.mapValues { _ in error }
        }
        let id = nextRequestId()
        let written = await withCheckedContinuation { continuation in
            waiters[id] = .commit(continuation)
            // The group was unloaded between the load and now: nobody else will answer.
            if !applyActions(groupId, { $0.commitOffsets(valid, id: id, nowMs: Self.nowMs()) }) {
                waiters[id] = nil
                continuation.resume(returning: valid.offsets.mapValues { _ in .notCoordinator })
            }
        }
        return errors.merging(written) { first, _ in first }
    }

    /// OffsetFetch: a group-level error, or the committed offset of each partition asked for (all partitions when
    /// `partitions` is nil). Partitions without a commit are absent (the API answers -1 for them).
    func fetchOffsets(_ groupId: String, partitions: [TopicPartition]?, requireStable: Bool)
        async -> Result<[TopicPartition: (OffsetAndMetadata, ErrorCode)], ErrorCode>
    {
        guard Self.isValidGroupId(groupId, allowEmpty: true), !groupId.isEmpty else {
            return groupId.isEmpty ? .success([:]) : .failure(.invalidGroupId)
        }
        switch await group(groupId, create: false) {
        case .failure(let error): return .failure(error)
        case .success(nil): return .success([:])
        case .success(let group?):
            var result: [TopicPartition: (OffsetAndMetadata, ErrorCode)] = [:]
            for (partition, offset) in group.committedOffsets(partitions) { result[partition] = (offset, .noError) }
            // Kafka: with require_stable, a partition with a commit in flight or in an open transaction answers
            // UNSTABLE_OFFSET_COMMIT with no offset, whether or not it has a committed one.
            for partition in partitions ?? Array(result.keys) where requireStable && group.hasUnstableOffset(for: partition) {
                result[partition] = (OffsetAndMetadata(offset: -1, commitTimestampMs: -1), .unstableOffsetCommit)
            }
            return .success(result)
        }
    }

    /// OffsetDelete: a group-level error, or one error per partition.
    func deleteOffsets(_ groupId: String, partitions: [TopicPartition]) async
        -> Result<[TopicPartition: ErrorCode], ErrorCode>
    {
        guard Self.isValidGroupId(groupId) else { return .failure(.invalidGroupId) }
        let group: GroupMetadata
        switch await self.group(groupId, create: false) {
        case .failure(let error): return .failure(error)
        case .success(nil): return .failure(.groupIdNotFound)
        case .success(let loaded?): group = loaded
        }
        switch group.planOffsetDeletion(partitions) {
        case .groupError(let error):
            return .failure(error)
        case .delete(let eligible, let subscribed):
            var errors = Dictionary(subscribed.map { ($0, ErrorCode.groupSubscribedToTopic) }, uniquingKeysWith: { a, _ in a })
            let existing = eligible.filter { group.offsets[$0] != nil }
            if !existing.isEmpty, let error = await removeOffsets(groupId, existing) {
                for partition in eligible { errors[partition] = error }
                return .success(errors)
            }
            for partition in eligible { errors[partition] = .noError }
            return .success(errors)
        }
    }

    /// Deletes offsets in ZooKeeper, then from the group; nil on success.
    func removeOffsets(_ groupId: String, _ partitions: [TopicPartition]) async -> ErrorCode? {
        guard case .loaded(let loaded) = groups[groupId] else { return .notCoordinator }
        do {
            try await store.deleteOffsets(group: groupId, fence: loaded.fence, partitions: partitions)
        } catch {
            logger.warning("Deleting offsets \(partitions) of group \(groupId) failed: \(error)")
            let code = Self.errorCode(for: error)
            if code == .notCoordinator { unloadIfFenced(groupId, fence: loaded.fence) }
            return code
        }
        applyActions(groupId) { group in
            group.removeOffsets(partitions)
            return []
        }
        return nil
    }

    /// Removes expired offsets of the loaded groups (`offsets.retention.minutes`), and forgets Empty groups left
    /// with none (Kafka marks them Dead and drops them).
    func expireOffsets() async {
        let nowMs = Self.nowMs()
        for (groupId, entry) in groups {
            guard case .loaded(let loaded) = entry else { continue }
            let expired = loaded.metadata.expiredOffsets(nowMs: nowMs, retentionMs: configuration.offsetsRetentionMs)
            if !expired.isEmpty {
                logger.info("Removing \(expired.count) expired offsets of group \(groupId)")
                _ = await removeOffsets(groupId, expired)
            }
            // Kafka's `hasOffsets`: a group whose only offsets are an open transaction's stays, for its marker.
            if case .loaded(let after) = groups[groupId], after.metadata.state == .empty, after.metadata.offsets.isEmpty,
                after.metadata.pendingCommits.isEmpty, after.metadata.pendingTransactions.isEmpty
            {
                unload(groupId, error: .notCoordinator)
            }
        }
    }

    /// Loads every group this broker coordinates that has offsets in ZooKeeper, so that offsets of groups nobody
    /// uses any more expire too, then expires offsets; every `offsets.retention.check.interval.ms` until cancelled.
    func runOffsetExpiry() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(configuration.offsetsRetentionCheckIntervalMs))
            if Task.isCancelled { return }
            do {
                for groupId in try await store.groupsWithOffsets() where ownershipError(groupId) == nil && groups[groupId] == nil {
                    _ = await group(groupId, create: false)
                }
            } catch {
                logger.warning("Listing consumer groups in ZooKeeper for offset expiry failed: \(error)")
            }
            await expireOffsets()
        }
    }
}
