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
            var remainingBytes = Int64(state.segments.reduce(0) { $0 + $1.sizeInBytes })
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
            guard deletable > 0 else { return 0 }
            let doomed = state.segments.prefix(deletable)
            state.segments.removeFirst(deletable)
            state.logStartOffset = max(state.logStartOffset, state.segments[0].baseOffset)
            state.recoveryPoint = max(state.recoveryPoint, min(state.segments[0].baseOffset, state.nextOffset))
            state.producerState.removeProducers(before: state.logStartOffset)
            if state.leaderEpochs.truncateFromStart(startOffset: state.logStartOffset) { persistLeaderEpochs(state) }
            for segment in doomed {
                try segment.close()
                try segment.delete()
                logger.info("Deleted log segment \(segment.file.path) by retention; log start offset is now \(state.logStartOffset)")
            }
            state.checkInvariants()
            return deletable
        }
    }

    /// Advances the log start offset (Kafka's DeleteRecords); whole segments below it go at the next retention run.
    /// Returns the new log start offset.
    @discardableResult
    public func deleteRecords(before offset: Int64) throws -> Int64 {
        try state.withLock { state in
            guard offset <= state.nextOffset else {
                throw StorageError.offsetOutOfRange(requested: offset, logStartOffset: state.logStartOffset, logEndOffset: state.nextOffset)
            }
            state.logStartOffset = max(state.logStartOffset, offset)
            state.producerState.removeProducers(before: state.logStartOffset)
            if state.leaderEpochs.truncateFromStart(startOffset: state.logStartOffset) { persistLeaderEpochs(state) }
            return state.logStartOffset
        }
    }
}
