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
}

extension Log {
    /// Appends a leader's incoming batches (Kafka's `appendAsLeader`): validates them without decoding records,
    /// assigns offsets from the log end by rewriting each `baseOffset` in place (and the partition leader epoch,
    /// and the timestamp under LogAppendTime), then writes the bytes as they are. Invalid input throws and leaves
    /// the log untouched; a failed write (disk full) is cut back, so the log stays consistent.
    public func appendAsLeader(_ records: inout ByteBuffer, leaderEpoch: Int32) throws -> LogAppendInfo {
        try records.withUnsafeMutableReadableBytes { bytes in
            let summary = try validate(bytes, origin: .client)
            return try state.withLock { state in
                let first = state.nextOffset
                let appendTimeMs: Int64? = state.config.timestampType == .logAppendTime ? Self.nowMs() : nil
                let last = RecordBatch.assignOffsets(
                    in: bytes, firstOffset: first, partitionLeaderEpoch: leaderEpoch, logAppendTimeMs: appendTimeMs)
                assert(last == first + summary.offsetCount - 1, "offsets assigned must be contiguous")
                let maxTimestamp = appendTimeMs ?? summary.maxTimestamp
                let offsetOfMaxTimestamp =
                    appendTimeMs != nil ? last : (summary.maxTimestampOffsetDelta >= 0 ? first + summary.maxTimestampOffsetDelta : first)
                return try write(
                    &state, bytes, summary: summary, firstOffset: first, lastOffset: last, maxTimestamp: maxTimestamp,
                    offsetOfMaxTimestamp: offsetOfMaxTimestamp, logAppendTimeMs: appendTimeMs ?? RecordBatch.noTimestamp)
            }
        }
    }

    /// Appends a follower's copy of its leader's batches (Kafka's `appendAsFollower`): offsets are kept, and must
    /// continue from this log's end and ascend.
    public func appendAsFollower(_ records: inout ByteBuffer) throws -> LogAppendInfo {
        try records.withUnsafeMutableReadableBytes { bytes in
            let summary = try validate(bytes, origin: .replication)
            return try state.withLock { state in
                guard summary.firstBaseOffset >= state.nextOffset, summary.offsetsMonotonic else {
                    throw StorageError.unexpectedOffset(first: summary.firstBaseOffset, logEndOffset: state.nextOffset)
                }
                let first = summary.firstBaseOffset
                return try write(
                    &state, bytes, summary: summary, firstOffset: first, lastOffset: summary.lastOffset,
                    maxTimestamp: summary.maxTimestamp,
                    offsetOfMaxTimestamp: summary.maxTimestampOffsetDelta >= 0 ? first + summary.maxTimestampOffsetDelta : first,
                    logAppendTimeMs: RecordBatch.noTimestamp)
            }
        }
    }

    /// Checks the batches (sizes, magic, CRC over every byte) before the log's lock is taken: validation needs no
    /// log state, so producers to one partition validate in parallel and only assignment and the write serialize.
    private func validate(
        _ bytes: UnsafeMutableRawBufferPointer, origin: AppendOrigin
    ) throws -> RecordBatch.ValidationSummary {
        let maxBatchBytes = state.withLock { $0.config.maxMessageBytes }
        do {
            return try RecordBatch.validate(UnsafeRawBufferPointer(bytes), maxBatchBytes: maxBatchBytes, origin: origin)
        } catch {
            throw StorageError.invalidRecords(error)
        }
    }

    /// The common tail: roll if needed, write, account for flushing.
    private func write(
        _ state: inout State, _ bytes: UnsafeMutableRawBufferPointer, summary: RecordBatch.ValidationSummary,
        firstOffset: Int64, lastOffset: Int64, maxTimestamp: Int64, offsetOfMaxTimestamp: Int64, logAppendTimeMs: Int64
    ) throws -> LogAppendInfo {
        guard !state.closed else { throw StorageError.logClosed(path: directory) }
        assert(lastOffset >= firstOffset && firstOffset >= state.nextOffset)
        try Self.maybeRoll(&state, incomingBytes: bytes.count, lastOffsetOfIncoming: lastOffset, nowMs: Self.nowMs(), log: self)
        try state.activeSegment.append(
            largestOffset: lastOffset, largestTimestamp: maxTimestamp, shallowOffsetOfMaxTimestamp: offsetOfMaxTimestamp,
            records: UnsafeRawBufferPointer(bytes))
        state.nextOffset = lastOffset + 1
        state.unflushedMessages += lastOffset - firstOffset + 1
        let info = LogAppendInfo(
            firstOffset: firstOffset, lastOffset: lastOffset, maxTimestamp: maxTimestamp,
            offsetOfMaxTimestamp: offsetOfMaxTimestamp, logAppendTimeMs: logAppendTimeMs,
            batchCount: summary.batchCount, sizeInBytes: bytes.count, logStartOffset: state.logStartOffset)
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
