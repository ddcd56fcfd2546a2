import Dispatch

extension Log {
    /// Starts a new active segment when the current one is full by size, age, index capacity or relative-offset
    /// range (Kafka's `maybeRoll`). Caller holds the lock.
    static func maybeRoll(
        _ state: inout State, incomingBytes: Int, lastOffsetOfIncoming: Int64, nowMs: Int64, log: Log
    ) throws {
        let active = state.activeSegment
        let empty = active.sizeInBytes == 0
        let full = active.sizeInBytes > state.config.segmentBytes - incomingBytes
        let old = nowMs - active.createdMs > state.config.segmentMs
        let indexFull = active.offsetIndex.isFull || active.timeIndex.isFull
        let offsetsOverflow = lastOffsetOfIncoming - active.baseOffset > Int64(Int32.max)
        guard !empty, full || old || indexFull || offsetsOverflow else { return }
        try roll(&state, log: log)
    }

    /// Makes a new empty segment at the log end the active one and writes the producer snapshot at its base; the
    /// previous one is trimmed now and flushed in the
    /// background, after which the recovery point moves past it (Kafka flushes on roll asynchronously too).
    static func roll(_ state: inout State, log: Log) throws {
        let previous = state.activeSegment
        let newOffset = state.nextOffset
        precondition(previous.baseOffset < newOffset || previous.sizeInBytes == 0, "roll of an empty segment")
        // The new file first: when it cannot be opened (no descriptor left, disk full) the active segment stays
        // as it was and takes appends until they no longer fit.
        let segment = try LogSegment.open(
            directory: log.directory, baseOffset: newOffset, config: state.config, create: true, use: .existingConsumer,
            descriptors: log.descriptors)
        try previous.onBecomeInactive()
        state.segments.append(segment)
        // Kafka's snapshot at each roll, so an open replays at most the active segment. Not fsynced (the lock is
        // held): one lost to a power failure fails its CRC, and the open falls back to an older one.
        log.writeProducerSnapshot(state, durable: false)
        log.logger.info("Rolled new log segment at offset \(newOffset)")
        DispatchQueue.global(qos: .utility).async {
            do {
                try log.flush(upTo: newOffset)
            } catch {
                log.logger.error("Flush of rolled segment failed: \(error)")
            }
        }
    }

    /// Forces a new segment now (retention of an expired active segment, tests).
    public func roll() throws {
        try state.withLock { state in
            guard state.activeSegment.sizeInBytes > 0 else { return }
            try Self.roll(&state, log: self)
        }
    }
}
