import KafkaProtocol
import Storage

/// ISR maintenance by partition leaders (Kafka's `maybeShrinkIsr`/`maybeExpandIsr` with the ZooKeeper ISR manager):
/// a follower that has not caught up for `replica.lag.time.max.ms` leaves the ISR, one that reaches the high
/// watermark rejoins it. Each change is a conditional write of the partition's state znode (leader, leader epoch and
/// controller epoch kept), then an ISR change notification so the controller propagates it with UpdateMetadata.
///
/// Kafka batches notifications (one per 5 s of quiet, at least every 60 s); Gregor writes one per round of changes
/// (every shrink check, every expansion), so metadata follows at once; ISR changes are rare enough.
extension ReplicaManager {
    /// Checks every led partition for followers out of sync, every `replica.lag.time.max.ms / 2`, until cancelled.
    func runIsrShrinkChecks() async {
        let interval = Duration.milliseconds(max(1, configuration.replicaLagTimeMaxMs / 2))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await maybeShrinkIsrs()
        }
    }

    /// Writes the expansions proposed on the fetch path, one at a time, until cancelled or shut down.
    func runIsrChangeWriter() async {
        for await (partition, change) in isrExpansions {
            await writeIsrChanges([(partition, change)])
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
        if case .terminated = isrExpansionsInput.yield((partition, change)) {
            _ = partition.completeIsrChange(change, newZkVersion: nil)
        }
    }

    /// Writes each change and applies those that succeeded; then one notification for all of them.
    func writeIsrChanges(_ changes: [(Partition, IsrChange)]) async {
        guard !changes.isEmpty else { return }
        var changed: [TopicPartition] = []
        for (partition, change) in changes {
            let tp = partition.topicPartition
            logIsrChange(change, of: partition)
            guard let isrStore else {
                if partition.completeIsrChange(change, newZkVersion: nil) { countIsrChange(change) }
                continue
            }
            let newZkVersion: Int32?
            do {
                newZkVersion = try await isrStore.write(change, for: tp)
                if newZkVersion == nil {
                    logger.info(
                        "Cached zkVersion \(change.zkVersion) of \(tp) is not the one in ZooKeeper; skipping the ISR update until the controller's next LeaderAndIsr")
                }
            } catch {
                logger.warning("Writing the ISR \(change.isr) of \(tp) to ZooKeeper failed: \(error); will retry")
                newZkVersion = nil
            }
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
        guard let isrStore, !changed.isEmpty else { return }
        do {
            try await isrStore.propagate(changed)
        } catch {
            logger.warning("Writing the ISR change notification for \(changed.map(\.description)) failed: \(error)")
        }
    }

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
