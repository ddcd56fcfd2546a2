import Coordination
import KafkaProtocol

/// What the coordinator does on its own: writing markers and completing transactions, aborting timed-out ones,
/// expiring idle ids, and taking over ids when the live brokers change.
extension TransactionCoordinator {
    // MARK: markers

    /// Starts writing the markers of the loaded id in Prepare*; once they are all written, Complete* is written.
    /// As in Kafka, the completion is prepared first, so the id has a pending transition (CONCURRENT_TRANSACTIONS
    /// for its producer) until Complete* is in ZooKeeper.
    func completeTransaction(_ transactionalId: String) {
        guard case .loaded(let entry) = ids[transactionalId],
              let markers = entry.metadata.markers(coordinatorEpoch: entry.coordinatorEpoch)
        else { return }
        var metadata = entry.metadata
        guard let transit = metadata.prepareComplete(nowMs: Self.nowMs()) else { return }
        update(transactionalId, metadata)
        markerTasks.removeValue(forKey: transactionalId)?.task.cancel()
        let sender = self.markers
        let task = Task {
            do {
                try await sender.writeMarkers(markers)
            } catch {
                return  // cancelled: this broker stopped coordinating the id or is shutting down
            }
            await self.markersWritten(transactionalId, coordinatorEpoch: entry.coordinatorEpoch, transit)
        }
        markerTasks[transactionalId] = (entry.coordinatorEpoch, task)
    }

    private func markersWritten(_ transactionalId: String, coordinatorEpoch: Int32, _ transit: TransactionTransit) async {
        guard markerTasks[transactionalId]?.coordinatorEpoch == coordinatorEpoch else { return }
        markerTasks[transactionalId] = nil
        guard case .loaded(let entry) = ids[transactionalId], entry.coordinatorEpoch == coordinatorEpoch,
              entry.metadata.pendingState == transit.state
        else { return }
        let error = await write(transactionalId, transit)
        if error == .noError {
            logger.info("Completed the transaction of transactional id \(transactionalId): \(transit.state.name)")
        } else {
            logger.warning("Writing \(transit.state.name) of transactional id \(transactionalId) failed: \(error)")
        }
    }

    // MARK: periodic work

    /// Starts the periodic aborts of timed-out transactions and removals of expired ids, and resumes the ids this
    /// broker coordinates that a previous coordinator left open or mid-commit.
    func start() {
        guard periodicTasks.isEmpty, !isShutDown else { return }
        periodicTasks = [
            repeating(everyMs: configuration.abortTimedOutTransactionCleanupIntervalMs) {
                await $0.abortTimedOutTransactions(nowMs: TransactionCoordinator.nowMs())
            },
            repeating(everyMs: configuration.removeExpiredTransactionalIdCleanupIntervalMs) {
                await $0.removeExpiredTransactionalIds(nowMs: TransactionCoordinator.nowMs())
            },
            Task { [weak self] in await self?.resumeStoredTransactions(nowMs: TransactionCoordinator.nowMs()) },
        ]
    }

    private func repeating(everyMs intervalMs: Int64, _ body: @escaping @Sendable (TransactionCoordinator) async -> Void) -> Task<Void, Never> {
        Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(intervalMs))
                guard !Task.isCancelled, let self else { return }
                await body(self)
            }
        }
    }

    /// Kafka's `abortTimedOutTransactions`: each loaded Ongoing transaction open longer than its timeout is fenced
    /// (epoch + 1) and aborted.
    func abortTimedOutTransactions(nowMs: Int64) async {
        for transactionalId in Array(ids.keys).sorted() {
            guard case .loaded(let entry) = ids[transactionalId], entry.metadata.isTimedOut(nowMs: nowMs) else { continue }
            var metadata = entry.metadata
            guard let fence = metadata.prepareFenceProducerEpoch() else { continue }
            update(transactionalId, metadata)
            logger.info("Aborting the transaction of transactional id \(transactionalId): open longer than its timeout of \(metadata.txnTimeoutMs) ms")
            let error = await endLoaded(
                transactionalId, producerId: fence.producerId, producerEpoch: fence.producerEpoch, commit: false,
                isFromClient: false, nowMs: nowMs)
            if error != .noError {
                logger.warning("Aborting the timed-out transaction of transactional id \(transactionalId) failed: \(error)")
            }
        }
    }

    /// Kafka's `removeExpiredTransactionalIds`: ids with no open transaction, idle for
    /// `transactional.id.expiration.ms`, are deleted from ZooKeeper (conditionally: a newer coordinator's write wins).
    func removeExpiredTransactionalIds(nowMs: Int64) async {
        await resumeStoredTransactions(nowMs: nowMs)
        for transactionalId in Array(ids.keys).sorted() {
            guard case .loaded(let entry) = ids[transactionalId],
                  entry.metadata.shouldExpire(nowMs: nowMs, expirationMs: configuration.transactionalIdExpirationMs)
            else { continue }
            var metadata = entry.metadata
            guard metadata.prepareDead() != nil else { continue }
            update(transactionalId, metadata)
            do {
                try await store.delete(transactionalId: transactionalId, expectedVersion: entry.zkVersion)
                logger.info("Removed transactional id \(transactionalId): idle since \(entry.metadata.txnLastUpdateTimestampMs)")
            } catch {
                logger.warning("Removing expired transactional id \(transactionalId) failed: \(error)")
            }
            if case .loaded(let current) = ids[transactionalId], current.coordinatorEpoch == entry.coordinatorEpoch {
                drop(transactionalId)
            }
        }
    }

    /// Loads the ids stored in ZooKeeper that this broker coordinates and that need it without any request: a
    /// commit or abort to finish (markers sent again), an open transaction that may time out, an expired id.
    func resumeStoredTransactions(nowMs: Int64) async {
        guard !isShutDown else { return }
        let stored: [StoredTransaction]
        do {
            stored = try await store.list()
        } catch {
            logger.warning("Listing transactional ids in ZooKeeper failed: \(error)")
            return
        }
        for item in stored where ids[item.node.transactionalId] == nil && ownershipError(item.node.transactionalId) == nil {
            guard let metadata = TransactionMetadata(item.node) else { continue }
            let needsWork = [.ongoing, .prepareCommit, .prepareAbort].contains(metadata.state)
                || metadata.shouldExpire(nowMs: nowMs, expirationMs: configuration.transactionalIdExpirationMs)
            guard needsWork else { continue }
            if case .failure(let error) = await entry(item.node.transactionalId) {
                logger.warning("Resuming transactional id \(item.node.transactionalId) failed: \(error)")
            }
        }
    }

    // MARK: membership and lifecycle

    /// The live brokers changed: ids this broker no longer coordinates are dropped (their marker tasks stop; the new
    /// coordinator claims them and sends the markers again); ids it now coordinates are claimed on their first
    /// request, and those left mid-commit or open are resumed now.
    func onLiveBrokersChanged() {
        for transactionalId in Array(ids.keys) where coordinatorId(for: transactionalId) != brokerId {
            logger.info("No longer the coordinator of transactional id \(transactionalId)")
            drop(transactionalId)
        }
        guard !isShutDown else { return }
        Task { [weak self] in await self?.resumeStoredTransactions(nowMs: TransactionCoordinator.nowMs()) }
    }

    /// Stops coordinating: periodic work and marker tasks stop, later requests get COORDINATOR_NOT_AVAILABLE.
    /// Transactions mid-commit stay in Prepare* in ZooKeeper for the next coordinator to finish.
    func shutdown() async {
        isShutDown = true
        let tasks = periodicTasks + markerTasks.values.map(\.task)
        periodicTasks = []
        markerTasks = [:]
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        ids = [:]
    }
}
