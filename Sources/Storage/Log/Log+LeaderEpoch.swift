import KafkaProtocol

extension Log {
    /// Kafka's `Log.endOffsetForEpoch`: the largest epoch not above `epoch` in this log and where it ends; nil when
    /// the log cannot say (undefined epoch, an epoch above all it knows, no epochs at all).
    public func endOffset(forEpoch epoch: Int32) -> (epoch: Int32, endOffset: Int64)? {
        state.withLock { $0.leaderEpochs.endOffset(for: epoch, logEndOffset: $0.nextOffset) }
    }

    /// Kafka's `maybeAssignEpochStartOffset`, when this replica becomes leader: its epoch starts at the log end,
    /// so that followers asking where their last epoch ends get this log's end, even before the first append.
    ///
    /// In memory only: `leader-epoch-checkpoint` catches up at the next `checkpointLeaderEpochs()` (the log manager's
    /// recovery-point checkpoint), flush or close, or with the next change that writes it. Writing it here cost a
    /// failover one file create and rename per new leader (~0.5 ms of kernel time each, on the critical path, and no
    /// faster on parallel threads). A crash before the write loses nothing that matters: batches rebuild every epoch
    /// that has data, and an epoch without a batch is this replica's own leadership, which a restart ends (the
    /// controller elects again with a new epoch), so no follower ever asks where it ends.
    public func assignEpochStartOffset(epoch: Int32, startOffset: Int64) {
        state.withLock { state in
            guard state.leaderEpochs.assign(epoch: epoch, startOffset: startOffset) else { return }
            state.leaderEpochsUnwritten = true
        }
    }

    /// Writes `leader-epoch-checkpoint` if an epoch start was assigned since it was last written.
    public func checkpointLeaderEpochs() {
        state.withLock { state in
            guard state.leaderEpochsUnwritten, !state.closed else { return }
            state.leaderEpochsUnwritten = false
            persistLeaderEpochs(state)
        }
    }

    /// Writes `leader-epoch-checkpoint`. A failure is logged, not thrown: the cache is rebuilt from the batch
    /// headers whenever the log is opened, so the file is never the only record of an epoch.
    func persistLeaderEpochs(_ state: State) {
        do {
            try LeaderEpochCheckpointFile(partitionDirectory: directory).write(state.leaderEpochs.entries)
        } catch {
            logger.warning("Writing \(LeaderEpochCheckpointFile.fileName) failed: \(error)")
        }
    }
}
