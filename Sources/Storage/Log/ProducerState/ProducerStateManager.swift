/// One partition's idempotent-producer state (Kafka's `ProducerStateManager`, without transactions): for each
/// producer id whose batches are in the log, its epoch and last five batches. The leader checks every producer
/// batch against it before assigning offsets, which gives exactly-once appends per partition to a retrying
/// producer: a retry of one of the last five batches is recognised and not written again, a gap in the sequence
/// or a zombie with an older epoch is refused.
///
/// It lives in the log's locked state and is only touched under that lock. It is not persisted: the log rebuilds
/// it on open from the batch headers of its segments (`Log.rebuildProducerState`), and after truncation; Kafka's
/// snapshot files, which shorten that scan, are not written.
///
/// Producers with nothing left in the log are forgotten when retention or DeleteRecords moves the log start
/// offset past their last batch (Kafka's `truncateHead`), which bounds the map by what the log holds. A batch
/// from a producer id the log does not know is accepted with any sequence: that is what a producer looks like
/// after retention removed its batches (Kafka 2.8 is as lenient, since KIP-360).
struct ProducerStateManager: Sendable {
    /// Kafka's `ProducerStateEntry.NumBatchesToRetain`: the Java client has at most five requests in flight per
    /// connection with idempotence, so a retry is always one of the last five batches.
    static let batchesRetainedMax = 5

    /// What the leader should do with a producer batch.
    enum LeaderCheck: Sendable, Hashable {
        case append
        /// A retry of a batch already in the log: write nothing, answer with the original's offsets.
        case duplicate(BatchMetadata)
    }

    private(set) var producers: [Int64: ProducerStateEntry] = [:]

    /// Kafka's `ProducerAppendInfo` checks for a client append, plus the duplicate lookup of `Log.append`.
    func checkLeaderAppend(_ batch: ProducerBatch) throws(StorageError) -> LeaderCheck {
        guard let entry = producers[batch.producerId] else { return .append }
        if batch.producerEpoch < entry.producerEpoch {
            throw .invalidProducerEpoch(
                producerId: batch.producerId, producerEpoch: batch.producerEpoch, currentEpoch: entry.producerEpoch)
        }
        if batch.producerEpoch > entry.producerEpoch {
            guard batch.firstSequence == 0 else {
                throw .outOfOrderSequence(
                    producerId: batch.producerId, producerEpoch: batch.producerEpoch,
                    firstSequence: batch.firstSequence, lastSequence: nil)
            }
            return .append
        }
        if let original = entry.batch(firstSequence: batch.firstSequence, lastSequence: batch.lastSequence) {
            return .duplicate(original)
        }
        guard ProducerBatch.inSequence(last: entry.lastSequence, next: batch.firstSequence) else {
            throw .outOfOrderSequence(
                producerId: batch.producerId, producerEpoch: batch.producerEpoch,
                firstSequence: batch.firstSequence, lastSequence: entry.lastSequence)
        }
        return .append
    }

    /// Records a batch that is now in the log, without checks (leader after `checkLeaderAppend`, follower,
    /// rebuild). Another epoch, newer or (from a leader's log) older, starts the producer's batches afresh.
    mutating func update(_ batch: ProducerBatch, firstOffset: Int64, lastOffset: Int64, timestamp: Int64) {
        let metadata = BatchMetadata(
            firstSequence: batch.firstSequence, lastSequence: batch.lastSequence, firstOffset: firstOffset,
            lastOffset: lastOffset, timestamp: timestamp)
        guard var entry = producers[batch.producerId], entry.producerEpoch == batch.producerEpoch else {
            producers[batch.producerId] = ProducerStateEntry(producerEpoch: batch.producerEpoch, batches: [metadata])
            return
        }
        if entry.batches.count == Self.batchesRetainedMax { entry.batches.removeFirst() }
        entry.batches.append(metadata)
        assert(entry.batches.count <= Self.batchesRetainedMax)
        producers[batch.producerId] = entry
    }

    /// Forgets producers whose last batch is below `logStartOffset` (retention or DeleteRecords removed them).
    mutating func removeProducers(before logStartOffset: Int64) {
        producers = producers.filter { $0.value.lastOffset >= logStartOffset }
    }
}
