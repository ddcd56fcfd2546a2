/// One partition's producer state (Kafka's `ProducerStateManager`): for each producer id whose batches are in the
/// log, its epoch, last five batches and transaction state, plus the partition's open transactions and the
/// completed ones whose markers are not yet replicated. The leader checks every producer batch against it before
/// assigning offsets, which gives exactly-once appends per partition to a retrying producer: a retry of one of the
/// last five batches is recognised and not written again, a gap in the sequence or a zombie with an older epoch is
/// refused. The transactions give the log its first unstable offset, and each abort its `.txnindex` entry.
///
/// It lives in the log's locked state and is only touched under that lock. The log persists it as Kafka's
/// `.snapshot` files (`ProducerStateSnapshot`) at each roll and at close, and rebuilds it at open from the newest
/// usable snapshot plus the batch headers after it (`Log.loadProducerState`), and after truncation.
///
/// Producers with nothing left in the log are forgotten when retention or DeleteRecords moves the log start
/// offset past their last batch or marker (Kafka 2.8 lets them expire by `transactional.id.expiration.ms`
/// instead), which bounds the map by what the log holds. A batch from a producer id the log does not know is
/// accepted with any sequence: that is what a producer looks like after retention removed its batches (Kafka 2.8
/// is as lenient, since KIP-360).
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

    var producers: [Int64: ProducerStateEntry] = [:]
    /// Open transactions, ascending by first offset (Kafka's `ongoingTxns`). At most one per producer.
    var ongoingTxns: [TxnMetadata] = []
    /// Completed transactions whose marker is not yet below the high watermark, in marker order (Kafka's
    /// `unreplicatedTxns`): they still hold back the last stable offset.
    var unreplicatedTxns: [TxnMetadata] = []

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
        } else {
            if let original = entry.batch(firstSequence: batch.firstSequence, lastSequence: batch.lastSequence) {
                return .duplicate(original)
            }
            guard ProducerBatch.inSequence(last: entry.lastSequence, next: batch.firstSequence) else {
                throw .outOfOrderSequence(
                    producerId: batch.producerId, producerEpoch: batch.producerEpoch,
                    firstSequence: batch.firstSequence, lastSequence: entry.lastSequence)
            }
        }
        // Kafka's `appendDataBatch`: inside an open transaction every batch must belong to it.
        if entry.currentTxnFirstOffset != nil && !batch.isTransactional {
            throw .invalidTxnState(producerId: batch.producerId)
        }
        return .append
    }

    /// Records a data batch that is now in the log, without checks (leader after `checkLeaderAppend`, follower,
    /// replay). Another epoch starts the producer's batches afresh; a transactional batch from a producer without
    /// an open transaction opens one at `firstOffset`.
    mutating func update(_ batch: ProducerBatch, firstOffset: Int64, lastOffset: Int64, timestamp: Int64) {
        let metadata = BatchMetadata(
            firstSequence: batch.firstSequence, lastSequence: batch.lastSequence, firstOffset: firstOffset,
            lastOffset: lastOffset, timestamp: timestamp)
        var entry = producers[batch.producerId] ?? ProducerStateEntry(producerEpoch: batch.producerEpoch, batches: [])
        entry.updateEpoch(batch.producerEpoch)
        if entry.batches.count == Self.batchesRetainedMax { entry.batches.removeFirst() }
        entry.batches.append(metadata)
        assert(entry.batches.count <= Self.batchesRetainedMax)
        entry.lastTimestamp = timestamp
        entry.lastWrittenOffset = lastOffset
        if batch.isTransactional && entry.currentTxnFirstOffset == nil {
            entry.currentTxnFirstOffset = firstOffset
            addOngoing(TxnMetadata(producerId: batch.producerId, firstOffset: firstOffset))
        }
        producers[batch.producerId] = entry
    }

    /// Takes an entry read from a snapshot (Kafka's `loadProducerEntry`), with its open transaction.
    mutating func load(producerId: Int64, entry: ProducerStateEntry) {
        producers[producerId] = entry
        if let first = entry.currentTxnFirstOffset {
            addOngoing(TxnMetadata(producerId: producerId, firstOffset: first))
        }
    }

    /// Forgets producers whose last batch or marker is below `logStartOffset` (retention or DeleteRecords removed
    /// them), their open transactions, and completed transactions whose markers are below it.
    mutating func removeProducers(before logStartOffset: Int64) {
        let evicted = Set(producers.filter { $0.value.lastWrittenOffset < logStartOffset }.keys)
        guard !evicted.isEmpty || unreplicatedTxns.contains(where: { ($0.lastOffset ?? .max) < logStartOffset }) else { return }
        for id in evicted { producers[id] = nil }
        ongoingTxns.removeAll { evicted.contains($0.producerId) }
        unreplicatedTxns.removeAll { ($0.lastOffset ?? .max) < logStartOffset }
    }

    private mutating func addOngoing(_ txn: TxnMetadata) {
        // Transactions open at the log end, so this is an append except for entries loaded from a snapshot.
        let index = ongoingTxns.lastIndex { $0.firstOffset <= txn.firstOffset }.map { $0 + 1 } ?? 0
        ongoingTxns.insert(txn, at: index)
    }
}
