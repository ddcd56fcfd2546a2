extension Log {
    /// Flushes every segment holding offsets below `offset` (default: the log end) and moves the recovery point
    /// there: after a crash, recovery only needs to scan what lies beyond it. Writes an assigned epoch start that
    /// `leader-epoch-checkpoint` lacks.
    public func flush(upTo offset: Int64? = nil) throws {
        checkpointLeaderEpochs()
        let (segments, target, recoveryPoint, closed) = state.withLock { state in
            (state.segments, min(offset ?? state.nextOffset, state.nextOffset), state.recoveryPoint, state.closed)
        }
        guard !closed, target > recoveryPoint else { return }
        for (i, segment) in segments.enumerated() {
            let nextBase = i + 1 < segments.count ? segments[i + 1].baseOffset : Int64.max
            guard nextBase > recoveryPoint, segment.baseOffset < target else { continue }
            try segment.flush()
        }
        state.withLock { state in
            if target > state.recoveryPoint {
                state.recoveryPoint = min(target, state.nextOffset)
                state.unflushedMessages = 0
                state.lastFlushMs = Self.nowMs()
            }
        }
    }

    /// `log.flush.interval.ms`: flushes when the last flush is older than the policy allows.
    public func flushIfDue(nowMs: Int64) throws {
        let due = state.withLock { state in
            state.config.flushMs != .max && state.recoveryPoint < state.nextOffset
                && nowMs - state.lastFlushMs >= state.config.flushMs
        }
        if due { try flush() }
    }
}
