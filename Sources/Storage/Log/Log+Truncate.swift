extension Log {
    /// Removes everything at and after `offset` (a follower whose leader has a shorter log). Whole batches only.
    /// Aborts whose markers go leave the `.txnindex`, snapshots above the new end are deleted, and the producer
    /// state is rebuilt from the newest snapshot left plus the batches after it.
    public func truncate(to offset: Int64) throws {
        try state.withLock { state in
            guard offset < state.nextOffset else { return }
            state.truncations += 1
            if offset <= state.segments[0].baseOffset {
                try Self.replaceAllSegments(&state, startingAt: offset, log: self)
                return
            }
            while state.segments.count > 1, state.activeSegment.baseOffset >= offset {
                let removed = state.segments.removeLast()
                try removed.close()
                try removed.delete()
            }
            try state.activeSegment.truncate(to: offset)
            // It may have been trimmed when it rolled; it takes appends again.
            try state.activeSegment.prepareForAppends(maxIndexSizeBytes: state.config.maxIndexSizeBytes)
            state.nextOffset = try state.activeSegment.readNextOffset()
            state.recoveryPoint = min(state.recoveryPoint, state.nextOffset)
            state.logStartOffset = min(state.logStartOffset, state.nextOffset)
            if state.leaderEpochs.truncateFromEnd(endOffset: state.nextOffset) { persistLeaderEpochs(state) }
            ProducerStateSnapshot.deleteAbove(state.nextOffset, directory: directory)
            try Self.rebuildProducerState(&state, log: self)
            state.checkInvariants()
        }
        logger.info("Truncated log to offset \(offset)")
    }

    /// Deletes every segment and starts empty at `offset` (a follower far behind, or ahead of, its leader).
    public func truncateFullyAndStart(at offset: Int64) throws {
        try state.withLock { state in
            try Self.replaceAllSegments(&state, startingAt: offset, log: self)
        }
        logger.info("Truncated log fully; it now starts at offset \(offset)")
    }

    static func replaceAllSegments(_ state: inout State, startingAt offset: Int64, log: Log) throws {
        state.truncations += 1
        for segment in state.segments {
            try segment.close()
            try segment.delete()
        }
        state.segments = [try LogSegment.open(
            directory: log.directory, baseOffset: offset, config: state.config, create: true, use: .existingConsumer,
            descriptors: log.descriptors)]
        state.nextOffset = offset
        state.logStartOffset = offset
        state.recoveryPoint = offset
        state.unflushedMessages = 0
        state.producerState = ProducerStateManager()
        state.producerSnapshotOnDisk = nil
        for snapshot in ProducerStateSnapshot.offsets(in: log.directory) {
            ProducerStateSnapshot.delete(directory: log.directory, offset: snapshot)
        }
        state.leaderEpochs.clear()
        log.persistLeaderEpochs(state)
        state.checkInvariants()
    }
}
