import Coordination
import KafkaProtocol

/// OffsetCommit, OffsetFetch, OffsetDelete, DeleteGroups and offset expiry (Kafka 2.8's
/// `GroupCoordinator.doCommitOffsets`, `handleDeleteOffsets`, `handleDeleteGroups` and
/// `GroupMetadata.removeExpiredOffsets`). Writing is the driver's job: a valid commit becomes a `storeOffsets`
/// action, and only a successful write (`offsetsStored`) changes what OffsetFetch returns.
extension GroupMetadata {
    struct CommitParameters: Sendable, Equatable {
        var memberId: String
        var groupInstanceId: String?
        /// -1 for a commit outside group management (`assign()` users, kcat, admin tools).
        var generationId: Int32
        var offsets: [TopicPartition: OffsetAndMetadata]
    }

    mutating func commitOffsets(_ request: CommitParameters, id: GroupRequestID, nowMs: Int64) -> [GroupAction] {
        let reject = { (error: ErrorCode) in [GroupAction.completeCommit(id, request.offsets.mapValues { _ in error })] }
        if state == .dead { return reject(.coordinatorNotAvailable) }
        if isStaticMemberFenced(memberId: request.memberId, groupInstanceId: request.groupInstanceId) {
            return reject(.fencedInstanceId)
        }
        if request.generationId < 0, state == .empty {
            // The group only stores offsets here; it does not use group management.
            return store(request.offsets, id: id)
        }
        guard has(request.memberId) else { return reject(.unknownMemberId) }
        guard request.generationId == generationId else { return reject(.illegalGeneration) }
        switch state {
        case .stable, .preparingRebalance:
            // During PreparingRebalance commits are still taken: the heartbeat tells the member to rejoin.
            scheduleHeartbeat(request.memberId, nowMs: nowMs)
            return withTimer(store(request.offsets, id: id))
        case .completingRebalance:
            return reject(.rebalanceInProgress)
        case .empty, .dead:
            return reject(.unknownMemberId)
        }
    }

    private mutating func store(_ offsets: [TopicPartition: OffsetAndMetadata], id: GroupRequestID) -> [GroupAction] {
        guard !offsets.isEmpty else { return [.completeCommit(id, [:])] }
        addPendingCommit(id, offsets)
        return [.storeOffsets(id, offsets)]
    }

    /// The outcome of a `storeOffsets` write: on success the offsets become the committed ones.
    mutating func offsetsStored(_ id: GroupRequestID, error: ErrorCode) -> [GroupAction] {
        guard let commit = takePendingCommit(id) else { return [] }
        if error == .noError { setOffsets(commit) }
        return [.completeCommit(id, commit.mapValues { _ in error })]
    }

    /// OffsetFetch: the committed offset of each partition asked for (all when `partitions` is nil); a partition
    /// with none is simply absent.
    func committedOffsets(_ partitions: [TopicPartition]?) -> [TopicPartition: OffsetAndMetadata] {
        guard let partitions else { return offsets }
        var result: [TopicPartition: OffsetAndMetadata] = [:]
        for partition in partitions { result[partition] = offsets[partition] }
        return result
    }

    /// Whether any commit is being written for `partition` (commits being written never expire).
    func hasPendingCommit(for partition: TopicPartition) -> Bool {
        pendingCommits.values.contains { $0[partition] != nil }
    }

    /// Whether a commit is being written for `partition` or an open transaction committed an offset for it: what
    /// OffsetFetch's require_stable answers UNSTABLE_OFFSET_COMMIT for (Kafka's
    /// `hasPendingOffsetCommitsForTopicPartition`).
    func hasUnstableOffset(for partition: TopicPartition) -> Bool {
        hasPendingCommit(for: partition) || pendingTransactions.values.contains { $0.offsets[partition] != nil }
    }

    // MARK: deletion

    /// What OffsetDelete may remove: everything in an Empty group; in an active consumer group only partitions
    /// of topics it does not subscribe to (the others get GROUP_SUBSCRIBED_TO_TOPIC).
    enum OffsetDeletePlan: Equatable {
        case groupError(ErrorCode)
        case delete(eligible: [TopicPartition], subscribed: [TopicPartition])
    }

    func planOffsetDeletion(_ partitions: [TopicPartition]) -> OffsetDeletePlan {
        switch state {
        case .dead:
            return .groupError(.groupIdNotFound)
        case .empty:
            return .delete(eligible: partitions, subscribed: [])
        case .preparingRebalance, .completingRebalance, .stable:
            guard protocolType == ConsumerProtocol.protocolType else { return .groupError(.nonEmptyGroup) }
            let subscribed = partitions.filter { isSubscribed(to: $0.topic) }
            return .delete(eligible: partitions.filter { !isSubscribed(to: $0.topic) }, subscribed: subscribed)
        }
    }

    /// DeleteGroups: only an Empty group may go (it becomes Dead; the driver then deletes its offsets).
    mutating func markDeleted(nowMs: Int64) -> ErrorCode {
        switch state {
        case .empty:
            transition(to: .dead, nowMs: nowMs)
            return .noError
        case .dead:
            return .groupIdNotFound
        case .preparingRebalance, .completingRebalance, .stable:
            return .nonEmptyGroup
        }
    }

    // MARK: expiry

    /// Offsets whose retention has passed (`offsets.retention.minutes`, Kafka 2.1+ semantics, KIP-211): in an
    /// Empty group, counted from when it became empty (or from the commit for a group that never had members);
    /// in an active consumer group, only for topics it no longer subscribes to; commits with an explicit expire
    /// timestamp (OffsetCommit v2-4) expire then. Commits being written never expire.
    func expiredOffsets(nowMs: Int64, retentionMs: Int64) -> [TopicPartition] {
        let base: (OffsetAndMetadata) -> Int64
        var keep: Set<String> = []
        switch (state, protocolType) {
        case (.empty, .some):
            base = { [stateTimestampMs] _ in stateTimestampMs }
        case (.empty, nil), (.dead, _):
            base = { $0.commitTimestampMs }
        case (_, .some(ConsumerProtocol.protocolType)) where subscribedTopics != nil:
            base = { $0.commitTimestampMs }
            keep = subscribedTopics ?? []
        default:
            return []
        }
        return offsets.compactMap { partition, offset in
            guard !keep.contains(partition.topic), !hasPendingCommit(for: partition) else { return nil }
            if let expire = offset.expireTimestampMs { return nowMs >= expire ? partition : nil }
            return nowMs - base(offset) >= retentionMs ? partition : nil
        }.sorted()
    }
}
