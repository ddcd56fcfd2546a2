import Coordination
import Foundation
import KafkaProtocol
import Logging

/// The driver of this broker's consumer groups (Kafka's `GroupCoordinator` minus its decisions, which live in
/// `GroupMetadata`): it finds or loads a group, feeds it each event with the time, and performs the actions it
/// returns: answering waiting requests, writing offsets to ZooKeeper through `GroupOffsetStore`, and timers.
///
/// A group belongs to the live broker that rendezvous hashing over the live brokers picks
/// (`GroupCoordinatorSelection`, from the controller's view in `MetadataCache`). The first request for a group
/// loads it: claim the group's fencing node (so a stale coordinator can no longer write), then read its offsets.
/// Requests that arrive while a load runs get COORDINATOR_LOAD_IN_PROGRESS; other brokers' groups get
/// NOT_COORDINATOR. When the live brokers change, groups this broker no longer owns are unloaded; their members
/// rediscover the coordinator and rejoin there, and the new coordinator reads the offsets from ZooKeeper.
actor GroupCoordinator {
    struct Configuration: Sendable {
        var brokerId: Int32
        var group = GroupConfig()
        var offsetsRetentionMs: Int64 = 7 * 24 * 3_600_000
        var offsetsRetentionCheckIntervalMs: Int64 = 600_000
        var offsetMetadataMaxBytes: Int = 4096
    }

    enum Waiter {
        case join(CheckedContinuation<JoinGroupResult, Never>)
        case sync(CheckedContinuation<SyncGroupResult, Never>)
        case commit(CheckedContinuation<[TopicPartition: ErrorCode], Never>)
    }

    struct LoadedGroup {
        var metadata: GroupMetadata
        var fence: GroupFence
        /// The ZooKeeper session the group was loaded in. After an expiry (a broker frozen or cut off long enough)
        /// another broker may have taken the group and written offsets, so the group is loaded again.
        var sessionId: Int64
        var timer: Task<Void, Never>?
    }

    enum Entry {
        case loading
        case loaded(LoadedGroup)
    }

    let configuration: Configuration
    let store: GroupOffsetStore
    let metadataCache: MetadataCache
    let logger: Logger
    /// Whether the group has committed offsets in ZooKeeper: read-only requests for a group nobody uses (never
    /// used, or deleted) do not claim it.
    let groupExists: @Sendable (String) async throws -> Bool
    /// The id of the broker's current ZooKeeper session.
    let sessionId: @Sendable () -> Int64
    var groups: [String: Entry] = [:]
    var waiters: [GroupRequestID: Waiter] = [:]
    private var lastRequestId: UInt64 = 0
    /// Partition counts of the topics that loaded groups subscribe to, as last seen, to notice topics growing.
    var knownPartitionCounts: [String: Int] = [:]
    var isShutDown = false
    /// Transaction markers being applied, by group and producer: a retried marker that arrives meanwhile waits
    /// for the same outcome instead of writing again.
    var transactionCompletions: [TransactionCompletionKey: Task<ErrorCode, Never>] = [:]

    init(
        configuration: Configuration, store: GroupOffsetStore, metadataCache: MetadataCache, logger: Logger,
        sessionId: @escaping @Sendable () -> Int64, groupExists: @escaping @Sendable (String) async throws -> Bool
    ) {
        self.configuration = configuration
        self.store = store
        self.metadataCache = metadataCache
        self.logger = logger
        self.sessionId = sessionId
        self.groupExists = groupExists
    }

    nonisolated static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func nextRequestId() -> GroupRequestID {
        lastRequestId += 1
        return GroupRequestID(rawValue: lastRequestId)
    }

    // MARK: which broker coordinates a group

    /// The broker that coordinates `groupId`, among the live brokers the controller last told this one about.
    nonisolated func coordinatorId(for groupId: String) -> Int32? {
        GroupCoordinatorSelection.coordinator(for: groupId, among: metadataCache.aliveBrokers().map(\.id))
    }

    /// Why this broker cannot serve `groupId` now, if it cannot.
    func ownershipError(_ groupId: String) -> ErrorCode? {
        if isShutDown { return .coordinatorNotAvailable }
        guard let owner = coordinatorId(for: groupId) else { return .coordinatorNotAvailable }
        return owner == configuration.brokerId ? nil : .notCoordinator
    }

    /// The group, loading it first if this broker owns it and has not loaded it yet. With `create: false` a group
    /// that has no znode in ZooKeeper is not claimed: the result is nil with no error.
    func group(_ groupId: String, create: Bool) async -> Result<GroupMetadata?, ErrorCode> {
        if let error = ownershipError(groupId) { return .failure(error) }
        if case .loaded(let loaded) = groups[groupId], loaded.sessionId != sessionId() {
            logger.info("Group \(groupId) was loaded in an expired ZooKeeper session: loading it again")
            unload(groupId, error: .notCoordinator)
        }
        switch groups[groupId] {
        case .loaded(let loaded): return .success(loaded.metadata)
        case .loading: return .failure(.coordinatorLoadInProgress)
        case nil: break
        }
        groups[groupId] = .loading
        let session = sessionId()
        do {
            if !create, try await !groupExists(groupId), try await !store.hasOpenTransactions(group: groupId) {
                groups[groupId] = nil
                return .success(nil)
            }
            let fence = try await store.claim(group: groupId, brokerId: configuration.brokerId)
            let snapshot = try await store.loadGroup(group: groupId, fence: fence)
            var metadata = GroupMetadata(groupId: groupId, config: configuration.group, nowMs: Self.nowMs())
            metadata.restore(snapshot)
            groups[groupId] = .loaded(LoadedGroup(metadata: metadata, fence: fence, sessionId: session))
            logger.info("Loaded group \(groupId) with \(snapshot.offsets.count) committed offsets and \(snapshot.pendingTransactions.count) open transactions (coordinator epoch \(fence.coordinatorEpoch))")
        } catch {
            groups[groupId] = nil
            logger.warning("Loading group \(groupId) failed: \(error)")
            return .failure(.coordinatorNotAvailable)
        }
        // The live brokers may have changed while ZooKeeper answered.
        if let error = ownershipError(groupId) {
            unload(groupId, error: error)
            return .failure(error)
        }
        guard case .loaded(let loaded) = groups[groupId] else { return .failure(.coordinatorNotAvailable) }
        return .success(loaded.metadata)
    }

    /// Runs one event on a loaded group and performs the actions it returns.
    @discardableResult
    func apply<T>(_ groupId: String, _ event: (inout GroupMetadata) -> (T, [GroupAction])) -> T? {
        guard case .loaded(var loaded) = groups[groupId] else { return nil }
        let (value, actions) = event(&loaded.metadata)
        groups[groupId] = .loaded(loaded)
        perform(actions, groupId: groupId)
        return value
    }

    /// Runs one event on a loaded group; false when the group is not loaded (nothing ran).
    @discardableResult
    func applyActions(_ groupId: String, _ event: (inout GroupMetadata) -> [GroupAction]) -> Bool {
        apply(groupId) { group in ((), event(&group)) } != nil
    }

    // MARK: actions

    func perform(_ actions: [GroupAction], groupId: String) {
        for action in actions {
            switch action {
            case .completeJoin(let id, let result):
                if case .join(let continuation) = waiters.removeValue(forKey: id) { continuation.resume(returning: result) }
            case .completeSync(let id, let result):
                if case .sync(let continuation) = waiters.removeValue(forKey: id) { continuation.resume(returning: result) }
            case .completeCommit(let id, let errors):
                if case .commit(let continuation) = waiters.removeValue(forKey: id) { continuation.resume(returning: errors) }
            case .storeOffsets(let id, let offsets):
                write(offsets, groupId: groupId, id: id)
            case .scheduleTimer(let atMs):
                schedule(groupId, atMs: atMs)
            }
        }
    }

    private func write(_ offsets: [TopicPartition: OffsetAndMetadata], groupId: String, id: GroupRequestID) {
        guard case .loaded(let loaded) = groups[groupId] else { return }
        let fence = loaded.fence
        Task {
            var result = ErrorCode.noError
            do {
                try await store.commit(group: groupId, fence: fence, offsets: offsets)
            } catch {
                result = Self.errorCode(for: error)
                logger.warning("Writing \(offsets.count) offsets of group \(groupId) to ZooKeeper failed: \(error)")
            }
            applyActions(groupId) { $0.offsetsStored(id, error: result) }
            if result == .notCoordinator { unloadIfFenced(groupId, fence: fence) }
        }
    }

    /// Kafka's mapping of a failed offsets write to what the client sees: fenced means another broker claimed the
    /// group (find the coordinator again); a write too big is the commit's fault; anything else is worth a retry.
    nonisolated static func errorCode(for error: any Error) -> ErrorCode {
        switch error {
        case GroupStoreError.fenced: return .notCoordinator
        case GroupStoreError.tooLarge: return .invalidCommitOffsetSize
        default: return .coordinatorNotAvailable
        }
    }

    /// After a fenced write: another broker claimed the group, so members must find the new coordinator.
    func unloadIfFenced(_ groupId: String, fence: GroupFence) {
        guard case .loaded(let loaded) = groups[groupId], loaded.fence == fence else { return }
        logger.warning("Group \(groupId) was claimed by another coordinator (ours was epoch \(fence.coordinatorEpoch)): unloading it")
        unload(groupId, error: .notCoordinator)
    }

    private func schedule(_ groupId: String, atMs: Int64?) {
        guard case .loaded(var loaded) = groups[groupId] else { return }
        loaded.timer?.cancel()
        loaded.timer = atMs.map { deadline in
            Task {
                let delayMs = max(0, deadline - Self.nowMs())
                try? await Task.sleep(for: .milliseconds(delayMs))
                guard !Task.isCancelled else { return }
                self.timerFired(groupId)
            }
        }
        groups[groupId] = .loaded(loaded)
    }

    private func timerFired(_ groupId: String) {
        applyActions(groupId) { $0.timerFired(nowMs: Self.nowMs()) }
    }

    /// Forgets a group, answering everything it waits on with `error`.
    func unload(_ groupId: String, error: ErrorCode) {
        guard case .loaded(var loaded) = groups[groupId] else { return }
        loaded.timer?.cancel()
        let actions = loaded.metadata.unload(error: error, nowMs: Self.nowMs())
        groups[groupId] = nil
        Task { [store] in await store.release(group: groupId) }
        perform(actions.filter { if case .scheduleTimer = $0 { return false } else { return true } }, groupId: groupId)
    }

    /// Stops coordinating: every group is unloaded and later requests get COORDINATOR_NOT_AVAILABLE.
    func shutdown() {
        isShutDown = true
        for groupId in Array(groups.keys) { unload(groupId, error: .notCoordinator) }
    }
}
