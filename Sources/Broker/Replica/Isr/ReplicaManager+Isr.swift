import KafkaProtocol
import Logging
import Storage

/// ISR maintenance by partition leaders (Kafka's `maybeShrinkIsr`/`maybeExpandIsr` with the ZooKeeper ISR manager):
/// a follower that has not caught up for `replica.lag.time.max.ms` leaves the ISR, one that reaches the high
/// watermark rejoins it. Each change is a conditional write of the partition's state znode (leader, leader epoch and
/// controller epoch kept), then an ISR change notification so the controller propagates it with UpdateMetadata.
///
/// Kafka batches notifications (one per 5 s of quiet, at least every 60 s); Gregor writes one per round of changes
/// (every shrink check, every batch of expansions), so metadata follows at once. A round's state writes go to
/// ZooKeeper together (each conditional on its own zkVersion; a partition has at most one change pending), so the
/// thousands of expansions after a broker restarts take a few round trips, not one each.
extension ReplicaManager {
    /// Checks every led partition for followers out of sync, every `replica.lag.time.max.ms / 2`, until cancelled.
    func runIsrShrinkChecks() async {
        let interval = Duration.milliseconds(max(1, configuration.replicaLagTimeMaxMs / 2))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await maybeShrinkIsrs()
        }
    }

    /// Writes the expansions proposed on the fetch path, all those waiting at once, until cancelled or shut down.
    func runIsrChangeWriter() async {
        for await _ in isrExpansions {
            let batch = pendingIsrExpansions.withLock { pending in
                defer { pending.removeAll() }
                return pending
            }
            await writeIsrChanges(batch)
        }
    }

    /// One shrink check over every partition this broker leads.
    func maybeShrinkIsrs() async {
        let nowMs = clock()
        var changes: [(Partition, IsrChange)] = []
        for partition in allPartitions {
            if let change = partition.maybeShrinkIsr(nowMs: nowMs, maxLagMs: configuration.replicaLagTimeMaxMs) {
                changes.append((partition, change))
            }
        }
        await writeIsrChanges(changes)
    }

    /// Hands an expansion found on the fetch path to `runIsrChangeWriter` (the fetch must not wait for ZooKeeper).
    func submitIsrChange(_ change: IsrChange, for partition: Partition) {
        guard isrStore != nil else {
            _ = partition.completeIsrChange(change, newZkVersion: nil)
            return
        }
        pendingIsrExpansions.withLock { $0.append((partition, change)) }
        if case .terminated = isrExpansionsInput.yield(()) {
            // Shut down: nobody will write them.
            let dropped = pendingIsrExpansions.withLock { pending in
                defer { pending.removeAll() }
                return pending
            }
            for (partition, change) in dropped { _ = partition.completeIsrChange(change, newZkVersion: nil) }
        }
    }

    /// Writes each change and applies those that succeeded; then one notification for all of them.
    func writeIsrChanges(_ changes: [(Partition, IsrChange)]) async {
        guard !changes.isEmpty else { return }
        for (partition, change) in changes { logIsrChange(change, of: partition) }
        guard let isrStore else {
            for (partition, change) in changes where partition.completeIsrChange(change, newZkVersion: nil) {
                countIsrChange(change)
            }
            return
        }
        let written = await Self.write(changes, to: isrStore, logger: logger)
        var changed: [TopicPartition] = []
        for (index, (partition, change)) in changes.enumerated() {
            let tp = partition.topicPartition
            let newZkVersion = written[index]
            if partition.completeIsrChange(change, newZkVersion: newZkVersion), let newZkVersion {
                countIsrChange(change)
                // The change itself was logged once, with its reason, before the write.
                logger.debug("ISR of \(tp) updated to \(change.isr) and zkVersion updated to \(newZkVersion)")
                changed.append(tp)
                activity.notify(tp)
            } else if newZkVersion != nil {
                logger.info("Leadership of \(tp) changed while its ISR was written; the controller's next LeaderAndIsr decides")
                changed.append(tp)
            }
        }
        guard !changed.isEmpty else { return }
        do {
            try await isrStore.propagate(changed)
        } catch {
            logger.warning("Writing the ISR change notification for \(changed.map(\.description)) failed: \(error)")
        }
    }

    /// The state writes of one round, `maxConcurrentIsrWrites` in flight at a time: each change's new zkVersion, or
    /// nil when it was refused (the znode changed: the controller moved on) or failed (retried by the next round).
    private static func write(
        _ changes: [(Partition, IsrChange)], to isrStore: any IsrStateStore, logger: Logger
    ) async -> [Int32?] {
        var results = [Int32?](repeating: nil, count: changes.count)
        await withTaskGroup(of: (Int, Int32?).self) { group in
            var next = 0
            func submit() {
                let index = next
                let (partition, change) = changes[index]
                next += 1
                group.addTask {
                    let tp = partition.topicPartition
                    do {
                        let version = try await isrStore.write(change, for: tp)
                        if version == nil {
                            logger.info(
                                "Cached zkVersion \(change.zkVersion) of \(tp) is not the one in ZooKeeper; skipping the ISR update until the controller's next LeaderAndIsr")
                        }
                        return (index, version)
                    } catch {
                        logger.warning("Writing the ISR \(change.isr) of \(tp) to ZooKeeper failed: \(error); will retry")
                        return (index, nil)
                    }
                }
            }
            while next < min(changes.count, maxConcurrentIsrWrites) { submit() }
            for await (index, version) in group {
                results[index] = version
                if next < changes.count { submit() }
            }
        }
        return results
    }

    /// ZooKeeper pipelines requests on one session; this bounds what one round puts in flight.
    static let maxConcurrentIsrWrites = 256

    /// Kafka's IsrExpandsPerSec / IsrShrinksPerSec, counted once the change is in ZooKeeper.
    private func countIsrChange(_ change: IsrChange) {
        (change.isExpansion ? metrics.isrExpands : metrics.isrShrinks).increment()
    }

    private func logIsrChange(_ change: IsrChange, of partition: Partition) {
        let tp = partition.topicPartition
        let state = partition.replicationState
        if change.isExpansion {
            let added = change.isr.filter { !change.previousIsr.contains($0) }
            let caughtUp = added.map { "(brokerId: \($0), endOffset: \(state.followers[$0]?.logEndOffset ?? -1))" }
            logger.info(
                "Expanding ISR of \(tp) from \(change.previousIsr) to \(change.isr): caught up with the leader (highWatermark: \(state.highWatermark)): \(caughtUp.joined(separator: ", "))")
            return
        }
        let removed = change.previousIsr.filter { !change.isr.contains($0) }
        let lagging = removed.map { "(brokerId: \($0), endOffset: \(state.followers[$0]?.logEndOffset ?? -1))" }
        logger.info(
            "Shrinking ISR of \(tp) from \(change.previousIsr) to \(change.isr): not caught up for replica.lag.time.max.ms (\(configuration.replicaLagTimeMaxMs) ms). Leader: (highWatermark: \(state.highWatermark), endOffset: \(partition.log.logEndOffset)). Out of sync replicas: \(lagging.joined(separator: ", ")).")
    }
}
