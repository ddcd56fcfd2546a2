import KafkaProtocol
import Logging

/// What loading the producer state found: the state, the snapshot it started from (nil: a full replay), how
/// many batch headers it replayed, and the leader epochs of the replayed batches.
struct LoadedProducerState {
    var producerState: ProducerStateManager
    var snapshotOffset: Int64?
    var batchesReplayed = 0
}

extension Log {
    /// Control batches are one marker record (about 80 bytes); anything much larger is not read for its marker.
    static let controlBatchBytesMax = 4096

    /// The producer state as of the log end (Kafka's `Log.loadProducerState`): from the newest `.snapshot` at or
    /// below `maxSnapshotOffset` (and at or above the first segment's base, so no batch between it and the log is
    /// missing), then the batch headers after it. A snapshot that does not read is deleted and the next older one
    /// tried; without one, every segment is replayed. Segments whose base is in `rebuildingTxnIndexOf` (just
    /// recovered, their `.txnindex` emptied) get their aborts written again; they must lie above the snapshot,
    /// which the caller ensures through `maxSnapshotOffset`. `epochs`, when given, receives each replayed batch's
    /// leader epoch. Producers below `logStartOffset` are dropped, as retention would have dropped them.
    static func loadProducerState(
        _ segments: [LogSegment], directory: String, logStartOffset: Int64, maxSnapshotOffset: Int64,
        rebuildingTxnIndexOf rebuilt: Set<Int64> = [], epochs: inout LeaderEpochCache?, logger: Logger
    ) throws -> LoadedProducerState {
        var loaded = LoadedProducerState(producerState: ProducerStateManager())
        let firstBase = segments.first?.baseOffset ?? 0
        for offset in ProducerStateSnapshot.offsets(in: directory).reversed() where offset <= maxSnapshotOffset && offset >= firstBase {
            do {
                for (producerId, entry) in try ProducerStateSnapshot.read(directory: directory, offset: offset) {
                    loaded.producerState.load(producerId: producerId, entry: entry)
                }
                loaded.snapshotOffset = offset
                logger.debug("Loaded producer state from snapshot at offset \(offset)")
                break
            } catch {
                logger.warning("Deleting producer snapshot at offset \(offset) in \(directory): \(error)")
                loaded.producerState = ProducerStateManager()
                ProducerStateSnapshot.delete(directory: directory, offset: offset)
            }
        }
        let from = loaded.snapshotOffset ?? .min
        for (i, segment) in segments.enumerated() {
            let nextBase = i + 1 < segments.count ? segments[i + 1].baseOffset : .max
            guard nextBase > from else { continue }
            let rebuildingTxnIndex = rebuilt.contains(segment.baseOffset)
            assert(!rebuildingTxnIndex || segment.baseOffset >= from, "a rebuilt .txnindex needs the state at its segment's base")
            try segment.forEachBatchHeader { header, position in
                guard header.baseOffset >= from else { return }
                epochs?.assign(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset)
                loaded.batchesReplayed += 1
                try replay(header, at: position, in: segment, into: &loaded.producerState, writingTxnIndex: rebuildingTxnIndex, logger: logger)
            }
        }
        loaded.producerState.removeProducers(before: logStartOffset)
        epochs?.truncateFromStart(startOffset: logStartOffset)
        return loaded
    }

    /// One stored batch applied to the producer state, as a follower applies it: a data batch updates its
    /// producer (a transactional one opens a transaction), a transaction marker completes the producer's
    /// transaction and, with `writingTxnIndex`, an abort goes into the segment's `.txnindex`.
    private static func replay(
        _ header: RecordBatchHeader, at position: Int, in segment: LogSegment, into producerState: inout ProducerStateManager,
        writingTxnIndex: Bool, logger: Logger
    ) throws {
        guard header.isControl else {
            guard let batch = ProducerBatch(header) else { return }
            producerState.update(batch, firstOffset: header.baseOffset, lastOffset: header.lastOffset, timestamp: header.maxTimestamp)
            return
        }
        guard header.hasProducerId else { return }
        let marker: EndTransactionMarker?
        do {
            marker = try segment.readBatch(header, at: position, maxBytes: controlBatchBytesMax)
                .flatMap { try RecordBatch.endTransactionMarker(inControlBatch: $0) }
        } catch let error as ControlRecordError {
            logger.warning("Ignoring unreadable control batch at offset \(header.baseOffset) in \(segment.file.path): \(error)")
            return
        }
        guard let marker else { return }
        let (completed, lastStableOffset) = producerState.completeTxn(
            producerId: header.producerId, producerEpoch: header.producerEpoch, marker: marker, offset: header.baseOffset,
            timestamp: header.maxTimestamp)
        if writingTxnIndex { try segment.updateTxnIndex(completed, lastStableOffset: lastStableOffset) }
    }

    /// After a truncation: the state as it was when the log ended where it now ends, from the newest snapshot at
    /// or below the new end plus the batches after it (the snapshots above were deleted). Caller holds the lock.
    static func rebuildProducerState(_ state: inout State, log: Log) throws {
        var epochs: LeaderEpochCache? = nil
        let loaded = try loadProducerState(
            state.segments, directory: log.directory, logStartOffset: state.logStartOffset, maxSnapshotOffset: state.nextOffset,
            epochs: &epochs, logger: log.logger)
        state.producerState = loaded.producerState
        state.producerSnapshotOnDisk = loaded.snapshotOffset
        log.logger.debug("Rebuilt the state of \(state.producerState.producers.count) producer(s) from the log")
    }

    /// Writes the producer state as of the log end to `<log end>.snapshot` (at a roll and at close). A failure is
    /// logged and false returned, not thrown: the snapshot only shortens the next open. Caller holds the lock.
    @discardableResult
    func writeProducerSnapshot(_ state: State, durable: Bool) -> Bool {
        do {
            try ProducerStateSnapshot.write(state.producerState, directory: directory, offset: state.nextOffset, durable: durable)
            return true
        } catch {
            logger.warning("Writing the producer snapshot at offset \(state.nextOffset) failed: \(error)")
            return false
        }
    }
}

extension LogSegment {
    /// Calls `body` with the header and file position of each batch, in file order, reading only headers. Stops
    /// at the end of the published size (the log was recovered, so whole valid batches lie below it).
    func forEachBatchHeader(_ body: (RecordBatchHeader, Int) throws -> Void) throws {
        let end = file.sizeInBytes
        var position = 0
        while let header = try readHeader(at: position, limit: end) {
            try body(header, position)
            position += header.sizeInBytes
        }
    }
}
