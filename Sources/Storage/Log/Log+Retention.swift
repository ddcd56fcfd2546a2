extension Log {
    /// Deletes whole old segments beyond `retention.ms`, beyond `retention.bytes`, or below the log start offset
    /// (Kafka's `deleteOldSegments`). The active segment is never deleted; when it is itself past retention and
    /// not empty, the log rolls first so that its data can go (as Kafka does). Returns the segments deleted.
    @discardableResult
    public func deleteOldSegments(nowMs: Int64 = Log.nowMs()) throws -> Int {
        try state.withLock { state in
            let config = state.config
            if config.retentionMs >= 0, state.segments.allSatisfy({ nowMs - $0.largestTimestamp > config.retentionMs }),
                state.activeSegment.sizeInBytes > 0
            {
                try Self.roll(&state, log: self)
            }
            var deletable = 0
            var remainingBytes = Int64(state.sizeInBytes)
            while deletable < state.segments.count - 1 {
                let segment = state.segments[deletable]
                let nextBase = state.segments[deletable + 1].baseOffset
                let expired = config.retentionMs >= 0 && nowMs - segment.largestTimestamp > config.retentionMs
                let oversized = config.retentionBytes >= 0 && remainingBytes - Int64(segment.sizeInBytes) >= config.retentionBytes
                let belowStart = nextBase <= state.logStartOffset
                guard expired || oversized || belowStart else { break }
                remainingBytes -= Int64(segment.sizeInBytes)
                deletable += 1
            }
            return try deleteFirstSegments(deletable, &state, reason: "retention")
        }
    }

    /// Deletes the whole segments below the log start offset now, without waiting for the next retention run
    /// (after DeleteRecords, so the space is freed when the client is told). Returns the segments deleted.
    @discardableResult
    public func deleteSegmentsBelowLogStart() throws -> Int {
        try state.withLock { state in
            var deletable = 0
            while deletable < state.segments.count - 1, state.segments[deletable + 1].baseOffset <= state.logStartOffset {
                deletable += 1
            }
            return try deleteFirstSegments(deletable, &state, reason: "the log start offset")
        }
    }

    /// Removes the oldest `count` segments (never the active one) and their files; the log start offset moves to
    /// the first segment left, if it was below it.
    private func deleteFirstSegments(_ count: Int, _ state: inout State, reason: String) throws -> Int {
        assert(count < state.segments.count, "the active segment is never deleted")
        guard count > 0 else { return 0 }
        let doomed = state.segments.prefix(count)
        state.segments.removeFirst(count)
        state.logStartOffset = max(state.logStartOffset, state.segments[0].baseOffset)
        state.recoveryPoint = max(state.recoveryPoint, min(state.segments[0].baseOffset, state.nextOffset))
        state.producerState.removeProducers(before: state.logStartOffset)
        if state.leaderEpochs.truncateFromStart(startOffset: state.logStartOffset) { persistLeaderEpochs(state) }
        ProducerStateSnapshot.deleteBelow(state.logStartOffset, directory: directory)
        for segment in doomed {
            try segment.close()
            try segment.delete()
            logger.info("Deleted log segment \(segment.file.path) by \(reason); log start offset is now \(state.logStartOffset)")
        }
        state.checkInvariants()
        return count
    }

    /// Advances the log start offset (Kafka's `maybeIncrementLogStartOffset`, for DeleteRecords and for a follower
    /// whose leader's start moved); it never goes back. Whole segments below it go at the next retention run, or
    /// at `deleteSegmentsBelowLogStart`. Whether `offset` is committed (at most the high watermark) is the
    /// caller's check: the log knows no high watermark. Returns the new log start offset.
    @discardableResult
    public func deleteRecords(before offset: Int64) throws -> Int64 {
        try state.withLock { state in
            guard offset <= state.nextOffset else {
                throw StorageError.offsetOutOfRange(requested: offset, logStartOffset: state.logStartOffset, logEndOffset: state.nextOffset)
            }
            guard offset > state.logStartOffset else { return state.logStartOffset }
            state.logStartOffset = offset
            logger.info("Incremented log start offset to \(offset)")
            state.producerState.removeProducers(before: state.logStartOffset)
            if state.leaderEpochs.truncateFromStart(startOffset: state.logStartOffset) { persistLeaderEpochs(state) }
            return state.logStartOffset
        }
    }
}
