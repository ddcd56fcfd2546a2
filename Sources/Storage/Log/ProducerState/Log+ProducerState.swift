import KafkaProtocol

extension Log {
    /// The producer state of `segments`, oldest first, from their batch headers alone (61 bytes read per batch,
    /// records never touched): what Kafka rebuilds when it has no producer snapshot. Producers whose last batch
    /// is below `logStartOffset` are dropped, as retention would have dropped them.
    static func rebuildProducerState(_ segments: [LogSegment], logStartOffset: Int64) throws -> ProducerStateManager {
        var epochs: LeaderEpochCache? = nil
        return try rebuildFromHeaders(segments, logStartOffset: logStartOffset, epochs: &epochs)
    }

    /// One pass over the batch headers that rebuilds the producer state and, when `epochs` is given, the leader
    /// epoch cache (each batch's `partitionLeaderEpoch` from its base offset, as the appends assigned them).
    static func rebuildFromHeaders(
        _ segments: [LogSegment], logStartOffset: Int64, epochs: inout LeaderEpochCache?
    ) throws -> ProducerStateManager {
        var producerState = ProducerStateManager()
        for segment in segments {
            try segment.forEachBatchHeader { header in
                epochs?.assign(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset)
                guard let batch = ProducerBatch(header) else { return }
                producerState.update(batch, firstOffset: header.baseOffset, lastOffset: header.lastOffset, timestamp: header.maxTimestamp)
            }
        }
        producerState.removeProducers(before: logStartOffset)
        epochs?.truncateFromStart(startOffset: logStartOffset)
        return producerState
    }

    /// After a truncation: the state as it was when the log ended where it now ends. Rebuilt from the remaining
    /// log, because batches older than the five remembered may be a producer's last ones again. Caller holds the lock.
    static func rebuildProducerState(_ state: inout State, log: Log) throws {
        state.producerState = try rebuildProducerState(state.segments, logStartOffset: state.logStartOffset)
        log.logger.debug("Rebuilt the state of \(state.producerState.producers.count) producer(s) from the log")
    }
}

extension LogSegment {
    /// Calls `body` with the header of each batch, in file order, reading only headers. Stops at the end of the
    /// published size (the log was recovered, so whole valid batches lie below it).
    func forEachBatchHeader(_ body: (RecordBatchHeader) throws -> Void) throws {
        let end = file.sizeInBytes
        var position = 0
        while let header = try readHeader(at: position, limit: end) {
            try body(header)
            position += header.sizeInBytes
        }
    }
}
