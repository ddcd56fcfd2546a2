import KafkaProtocol

/// Transactions in a partition log (Kafka 2.8's `Log` and `ProducerStateManager`): the markers a transaction
/// coordinator writes, the first unstable offset that bounds what read committed consumers see, and the aborted
/// transactions they must filter out.
extension Log {
    /// Leader: appends a COMMIT/ABORT control batch for the producer at the log end (`AppendOrigin.coordinator`,
    /// Kafka's `appendAsLeader` of `WriteTxnMarkers`). Kafka's checks: a marker epoch below the producer's epoch
    /// throws `invalidProducerEpoch` (INVALID_PRODUCER_EPOCH, Kafka 2.8's answer to a stale marker); a
    /// coordinator epoch below the one of the producer's last marker throws `transactionCoordinatorFenced`. A
    /// marker for a producer with no open transaction is written anyway: markers are retried. An abort gets its
    /// `.txnindex` entry in the segment that receives the marker.
    public func appendEndTxnMarker(
        producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool, leaderEpoch: Int32
    ) throws -> LogAppendInfo {
        let marker = EndTransactionMarker(type: commit ? .commit : .abort, coordinatorEpoch: coordinatorEpoch)
        let nowMs = Self.nowMs()
        var bytes = RecordBatch.controlBatch(
            marker: marker, producerId: producerId, producerEpoch: producerEpoch, timestampMs: nowMs,
            partitionLeaderEpoch: leaderEpoch)
        return try state.withLock { state in
            guard !state.closed else { throw StorageError.logClosed(path: directory) }
            try state.producerState.checkEndTxnMarker(
                producerId: producerId, producerEpoch: producerEpoch, coordinatorEpoch: coordinatorEpoch)
            let offset = state.nextOffset
            let logAppendTimeMs = state.config.timestampType == .logAppendTime ? nowMs : RecordBatch.noTimestamp
            let info = try bytes.withUnsafeMutableBytes { batch in
                RecordBatch.setBaseOffset(offset, in: batch)
                let summary: RecordBatch.ValidationSummary
                do throws(RecordBatchError) {
                    summary = try RecordBatch.validate(UnsafeRawBufferPointer(batch), maxBatchBytes: .max, origin: .coordinator)
                } catch {
                    throw StorageError.invalidRecords(error)
                }
                return try write(
                    &state, RecordsToWrite(UnsafeRawBufferPointer(batch)), summary: summary, firstOffset: offset, lastOffset: offset,
                    maxTimestamp: nowMs, offsetOfMaxTimestamp: offset, logAppendTimeMs: logAppendTimeMs)
            }
            let (completed, lastStableOffset) = state.producerState.completeTxn(
                producerId: producerId, producerEpoch: producerEpoch, marker: marker, offset: offset, timestamp: nowMs)
            try state.activeSegment.updateTxnIndex(completed, lastStableOffset: lastStableOffset)
            if state.leaderEpochs.assign(epoch: leaderEpoch, startOffset: offset) { persistLeaderEpochs(state) }
            logger.debug("Wrote \(marker.type) marker for producer \(producerId) (epoch \(producerEpoch)) at offset \(offset)")
            return info
        }
    }

    /// The first offset of a transaction that is open, or completed but whose marker is not yet below the high
    /// watermark (Kafka's `firstUnstableOffset`); nil when none. The broker computes LSO = min(this, HW).
    public var firstUnstableOffset: Int64? {
        state.withLock { $0.producerState.firstUnstableOffset }
    }

    /// The partition's high watermark moved (leader or follower): completed transactions whose marker offset is
    /// below it stop holding back the LSO (Kafka's `onHighWatermarkUpdated`).
    public func onHighWatermarkUpdated(_ highWatermark: Int64) {
        state.withLock { $0.producerState.onHighWatermarkUpdated(highWatermark) }
    }

    /// Aborted transactions overlapping [startOffset, upperBound): those with lastOffset >= startOffset and
    /// firstOffset < upperBound, read from the `.txnindex` files from the segment holding `startOffset` on, until
    /// an entry's last stable offset reaches `upperBound` (Kafka's `Log.collectAbortedTransactions`). Runs
    /// without the log's lock, like `read`.
    public func collectAbortedTransactions(from startOffset: Int64, upTo upperBound: Int64) throws -> [AbortedTransaction] {
        let segments = state.withLock { $0.segments }
        var found: [AbortedTransaction] = []
        var index = Self.floorSegmentIndex(segments, offset: startOffset)
        while index < segments.count {
            let result = try segments[index].txnIndex.collectAbortedTxns(fetchOffset: startOffset, upperBoundOffset: upperBound)
            found += result.entries
            if result.isComplete { break }
            index += 1
        }
        return found
    }
}
