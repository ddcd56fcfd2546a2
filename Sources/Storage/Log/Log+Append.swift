import KafkaProtocol
import NIOCore

/// What an append did, for the produce response and the partition's bookkeeping.
public struct LogAppendInfo: Sendable, Hashable {
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// The largest timestamp appended, and the last offset of the batch that carries it.
    public var maxTimestamp: Int64
    public var offsetOfMaxTimestamp: Int64
    /// The broker's append time when the log uses LogAppendTime, else -1 (Kafka's `NO_TIMESTAMP`).
    public var logAppendTimeMs: Int64
    public var batchCount: Int
    public var sizeInBytes: Int
    public var logStartOffset: Int64
    /// A retry of a batch already in the log: nothing was written, and the offsets are the original's.
    public var isDuplicate = false
}

extension Log {
    /// Appends a leader's incoming batches (Kafka's `appendAsLeader`): validates them without decoding records,
    /// assigns offsets from the log end by rewriting each `baseOffset` in place (and the partition leader epoch,
    /// and the timestamp under LogAppendTime), then writes the bytes as they are. Invalid input throws and leaves
    /// the log untouched; a failed write (disk full) is cut back, so the log stays consistent.
    ///
    /// A batch with a producer id is checked against the producer's state under the lock, before offsets are
    /// assigned: an older epoch throws `invalidProducerEpoch`, a gap in the sequence `outOfOrderSequence`, and a
    /// retry of one of the producer's last five batches writes nothing and returns the original batch's offsets
    /// (`isDuplicate`), which Kafka answers as a success. A transactional batch opens the producer's transaction
    /// in this partition; a non-transactional one while it is open throws `invalidTxnState`.
    public func appendAsLeader(_ records: inout ByteBuffer, leaderEpoch: Int32) throws -> LogAppendInfo {
        // Read-only access: the request buffer is shared (frame, decoded request), so writing into it would copy
        // the whole batch. The rewritten header goes out as its own small piece instead.
        try records.withUnsafeReadableBytes { bytes in
            let summary = try validate(bytes, origin: .client)
            // A client's payload is exactly one batch (validated), so its header says everything about the producer.
            let producerBatch = ProducerBatch(try Self.firstHeader(bytes))
            return try state.withLock { state in
                guard !state.closed else { throw StorageError.logClosed(path: directory) }
                if let producerBatch, case .duplicate(let original) = try state.producerState.checkLeaderAppend(producerBatch) {
                    logger.debug("Producer \(producerBatch.producerId) retried its batch at offsets \(original.firstOffset)...\(original.lastOffset)")
                    return Self.duplicateAppendInfo(original, state: state)
                }
                let first = state.nextOffset
                let appendTimeMs: Int64? = state.config.timestampType == .logAppendTime ? Self.nowMs() : nil
                let last = first + summary.offsetCount - 1
                let maxTimestamp = appendTimeMs ?? summary.maxTimestamp
                let offsetOfMaxTimestamp =
                    appendTimeMs != nil ? last : (summary.maxTimestampOffsetDelta >= 0 ? first + summary.maxTimestampOffsetDelta : first)
                let info: LogAppendInfo
                if appendTimeMs == nil {
                    // baseOffset and partitionLeaderEpoch lie before the CRC's range: patch a copy of the first
                    // 16 bytes (on the stack) and write the rest of the batch from the request as it is.
                    info = try withUnsafeTemporaryAllocation(byteCount: Self.patchedHeaderBytes, alignment: 8) { head in
                        head.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<Self.patchedHeaderBytes]))
                        head.storeBytes(of: first.bigEndian, toByteOffset: 0, as: Int64.self)
                        head.storeBytes(of: leaderEpoch.bigEndian, toByteOffset: 12, as: Int32.self)
                        return try write(
                            &state, RecordsToWrite(head: UnsafeRawBufferPointer(head), restOf: bytes),
                            summary: summary, firstOffset: first, lastOffset: last, maxTimestamp: maxTimestamp,
                            offsetOfMaxTimestamp: offsetOfMaxTimestamp, logAppendTimeMs: RecordBatch.noTimestamp)
                    }
                } else {
                    // LogAppendTime changes the timestamp inside the CRC's range: rewrite a private copy.
                    var copy = [UInt8](bytes)
                    info = try copy.withUnsafeMutableBytes { copy in
                        let assigned = RecordBatch.assignOffsets(
                            in: copy, firstOffset: first, partitionLeaderEpoch: leaderEpoch, logAppendTimeMs: appendTimeMs)
                        assert(assigned == last, "offsets assigned must be contiguous")
                        return try write(
                            &state, RecordsToWrite(UnsafeRawBufferPointer(copy)), summary: summary, firstOffset: first, lastOffset: last,
                            maxTimestamp: maxTimestamp, offsetOfMaxTimestamp: offsetOfMaxTimestamp,
                            logAppendTimeMs: appendTimeMs ?? RecordBatch.noTimestamp)
                    }
                }
                if let producerBatch {
                    state.producerState.update(producerBatch, firstOffset: first, lastOffset: last, timestamp: maxTimestamp)
                }
                if state.leaderEpochs.assign(epoch: leaderEpoch, startOffset: first) { persistLeaderEpochs(state) }
                return info
            }
        }
    }

    /// baseOffset (8 bytes), batchLength (4) and partitionLeaderEpoch (4): the header fields a leader rewrites
    /// without touching the CRC.
    static let patchedHeaderBytes = 16

    /// Appends a follower's copy of its leader's batches (Kafka's `appendAsFollower`): offsets are kept, and must
    /// continue from this log's end and ascend. Producer state follows what was written, unchecked: the leader
    /// already decided. Transaction markers complete their producers' transactions, aborts into the `.txnindex`.
    public func appendAsFollower(_ records: inout ByteBuffer) throws -> LogAppendInfo {
        try records.withUnsafeReadableBytes { bytes in
            let summary = try validate(bytes, origin: .replication)
            return try state.withLock { state in
                guard summary.firstBaseOffset >= state.nextOffset, summary.offsetsMonotonic else {
                    throw StorageError.unexpectedOffset(first: summary.firstBaseOffset, logEndOffset: state.nextOffset)
                }
                let first = summary.firstBaseOffset
                let info = try write(
                    &state, RecordsToWrite(bytes), summary: summary, firstOffset: first, lastOffset: summary.lastOffset,
                    maxTimestamp: summary.maxTimestamp,
                    offsetOfMaxTimestamp: summary.maxTimestampOffsetDelta >= 0 ? first + summary.maxTimestampOffsetDelta : first,
                    logAppendTimeMs: RecordBatch.noTimestamp)
                var epochsChanged = false
                for (header, range) in RecordBatches(bytes) {
                    // The leader's epochs, as its batches carry them, so this log can answer OffsetForLeaderEpoch
                    // the same way when it leads.
                    if state.leaderEpochs.assign(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset) {
                        epochsChanged = true
                    }
                    if header.isControl {
                        try applyFollowerMarker(header, UnsafeRawBufferPointer(rebasing: bytes[range]), &state)
                        continue
                    }
                    guard let batch = ProducerBatch(header) else { continue }
                    state.producerState.update(
                        batch, firstOffset: header.baseOffset, lastOffset: header.lastOffset, timestamp: header.maxTimestamp)
                }
                if epochsChanged { persistLeaderEpochs(state) }
                return info
            }
        }
    }

    /// A transaction marker the leader wrote, now in this log's active segment: the producer's transaction ends
    /// (and an abort goes into the `.txnindex`) as on the leader, without its checks. A control batch that is not
    /// a readable marker changes nothing (Kafka would fail the fetch; its leaders never write one).
    private func applyFollowerMarker(_ header: RecordBatchHeader, _ batch: UnsafeRawBufferPointer, _ state: inout State) throws {
        guard header.hasProducerId else { return }
        let marker: EndTransactionMarker?
        do {
            marker = try RecordBatch.endTransactionMarker(inControlBatch: batch)
        } catch {
            logger.warning("Ignoring unreadable control batch at offset \(header.baseOffset): \(error)")
            return
        }
        guard let marker else { return }
        let (completed, lastStableOffset) = state.producerState.completeTxn(
            producerId: header.producerId, producerEpoch: header.producerEpoch, marker: marker, offset: header.baseOffset,
            timestamp: header.maxTimestamp)
        try state.activeSegment.updateTxnIndex(completed, lastStableOffset: lastStableOffset)
    }

    /// The header of the first batch of validated bytes.
    private static func firstHeader(_ bytes: UnsafeRawBufferPointer) throws -> RecordBatchHeader {
        do {
            return try RecordBatchHeader(parsing: bytes)
        } catch {
            throw StorageError.invalidRecords(error)
        }
    }

    /// The answer to a retried batch: where the original went (Kafka's `Log.append` with a duplicate). Kafka puts
    /// the original's timestamp in `logAppendTime` whatever the timestamp type; Gregor only under LogAppendTime,
    /// where that timestamp is the broker's append time, so the answer reads as the original's did.
    private static func duplicateAppendInfo(_ original: BatchMetadata, state: State) -> LogAppendInfo {
        let logAppendTime = state.config.timestampType == .logAppendTime
        return LogAppendInfo(
            firstOffset: original.firstOffset, lastOffset: original.lastOffset, maxTimestamp: original.timestamp,
            offsetOfMaxTimestamp: original.lastOffset,
            logAppendTimeMs: logAppendTime ? original.timestamp : RecordBatch.noTimestamp,
            batchCount: 0, sizeInBytes: 0, logStartOffset: state.logStartOffset, isDuplicate: true)
    }

    /// Checks the batches (sizes, magic, CRC over every byte) before the log's lock is taken: validation needs no
    /// log state, so producers to one partition validate in parallel and only assignment and the write serialize.
    /// Only a leader enforces `max.message.bytes`: a follower takes every batch its leader accepted (as Kafka's
    /// `appendAsFollower` does), or a limit lowered or raised on one broker first would stop replication for good.
    private func validate(
        _ bytes: UnsafeRawBufferPointer, origin: AppendOrigin
    ) throws -> RecordBatch.ValidationSummary {
        let maxBatchBytes = origin.isLeaderAppend ? state.withLock { $0.config.maxMessageBytes } : Int.max
        do {
            return try RecordBatch.validate(bytes, maxBatchBytes: maxBatchBytes, origin: origin)
        } catch {
            throw StorageError.invalidRecords(error)
        }
    }

    /// The common tail: roll if needed, write, account for flushing.
    func write(
        _ state: inout State, _ records: RecordsToWrite, summary: RecordBatch.ValidationSummary,
        firstOffset: Int64, lastOffset: Int64, maxTimestamp: Int64, offsetOfMaxTimestamp: Int64, logAppendTimeMs: Int64
    ) throws -> LogAppendInfo {
        guard !state.closed else { throw StorageError.logClosed(path: directory) }
        assert(lastOffset >= firstOffset && firstOffset >= state.nextOffset)
        let byteCount = records.count
        try Self.maybeRoll(&state, incomingBytes: byteCount, lastOffsetOfIncoming: lastOffset, nowMs: Self.nowMs(), log: self)
        try state.activeSegment.append(
            largestOffset: lastOffset, largestTimestamp: maxTimestamp, shallowOffsetOfMaxTimestamp: offsetOfMaxTimestamp,
            records: records)
        state.nextOffset = lastOffset + 1
        state.unflushedMessages += lastOffset - firstOffset + 1
        let info = LogAppendInfo(
            firstOffset: firstOffset, lastOffset: lastOffset, maxTimestamp: maxTimestamp,
            offsetOfMaxTimestamp: offsetOfMaxTimestamp, logAppendTimeMs: logAppendTimeMs,
            batchCount: summary.batchCount, sizeInBytes: byteCount, logStartOffset: state.logStartOffset)
        if state.unflushedMessages >= state.config.flushIntervalMessages {
            try flushLocked(&state)
        }
        state.checkInvariants()
        return info
    }

    /// `log.flush.interval.messages` reached: flush inline (the policy asks for durability before the append
    /// returns), from the segment holding the recovery point on.
    private func flushLocked(_ state: inout State) throws {
        let from = Self.floorSegmentIndex(state.segments, offset: state.recoveryPoint)
        for segment in state.segments[from...] { try segment.flush() }
        state.recoveryPoint = state.nextOffset
        state.unflushedMessages = 0
        state.lastFlushMs = Self.nowMs()
    }
}
