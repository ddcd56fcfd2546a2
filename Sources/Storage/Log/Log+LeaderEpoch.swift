import KafkaProtocol

extension Log {
    /// Kafka's `Log.endOffsetForEpoch`: the largest epoch not above `epoch` in this log and where it ends; nil when
    /// the log cannot say (undefined epoch, an epoch above all it knows, no epochs at all).
    public func endOffset(forEpoch epoch: Int32) -> (epoch: Int32, endOffset: Int64)? {
        state.withLock { $0.leaderEpochs.endOffset(for: epoch, logEndOffset: $0.nextOffset) }
    }

    /// Kafka's `maybeAssignEpochStartOffset`, when this replica becomes leader: its epoch starts at the log end,
    /// so that followers asking where their last epoch ends get this log's end, even before the first append.
    public func assignEpochStartOffset(epoch: Int32, startOffset: Int64) {
        state.withLock { state in
            guard state.leaderEpochs.assign(epoch: epoch, startOffset: startOffset) else { return }
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
