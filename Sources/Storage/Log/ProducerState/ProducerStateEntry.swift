import KafkaProtocol

/// Where one idempotent producer's batch landed in the log (Kafka's `BatchMetadata`): enough to recognise a retry
/// of it and to answer that retry with the original offsets.
public struct BatchMetadata: Sendable, Hashable {
    public var firstSequence: Int32
    public var lastSequence: Int32
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// The batch's max timestamp as stored (the broker's append time under LogAppendTime).
    public var timestamp: Int64

    public init(firstSequence: Int32, lastSequence: Int32, firstOffset: Int64, lastOffset: Int64, timestamp: Int64) {
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.timestamp = timestamp
    }
}

/// What a partition's log knows of one producer id (Kafka's `ProducerStateEntry`): its current epoch, its last
/// `ProducerStateManager.batchesRetainedMax` batches of that epoch (oldest first), and its transaction state: the
/// first offset of its open transaction and the epoch of the coordinator that wrote its last marker.
///
/// `batches` is empty for a producer known only from a transaction marker (a coordinator aborting with a bumped
/// epoch, before the producer wrote in that epoch), and after a snapshot load it holds only the last batch (Kafka's
/// snapshot keeps one per producer).
public struct ProducerStateEntry: Sendable, Hashable {
    public internal(set) var producerEpoch: Int16
    public internal(set) var batches: [BatchMetadata]
    /// The epoch of the transaction coordinator of this producer's last marker; -1 before any.
    public internal(set) var coordinatorEpoch: Int32 = -1
    /// The first offset of the producer's open transaction in this partition; nil when none is open.
    public internal(set) var currentTxnFirstOffset: Int64? = nil
    /// The max timestamp of its last batch or the timestamp of its last marker (Kafka's `lastTimestamp`); -1 none.
    public internal(set) var lastTimestamp: Int64 = -1
    /// The offset of the producer's last data batch or marker: retention forgets the producer once the log start
    /// passes it. Not in Kafka's snapshot, so an entry loaded from one without batches gets the snapshot offset - 1
    /// (its marker lies below).
    var lastWrittenOffset: Int64 = -1

    /// The sequence of the last record appended by this producer in its current epoch; -1 (Kafka's `NO_SEQUENCE`)
    /// when it has no batch in this epoch.
    public var lastSequence: Int32 { batches.last?.lastSequence ?? -1 }
    /// The offset of its last data record in the log (Kafka's `lastDataOffset`); -1 when it has no batch.
    public var lastOffset: Int64 { batches.last?.lastOffset ?? -1 }

    /// The cached batch with exactly this sequence range, if any (Kafka's `batchWithSequenceRange`).
    func batch(firstSequence: Int32, lastSequence: Int32) -> BatchMetadata? {
        batches.first { $0.firstSequence == firstSequence && $0.lastSequence == lastSequence }
    }

    /// Another epoch (newer, or from a leader's log, older) starts the producer's batches afresh; the transaction
    /// state carries over (Kafka's `maybeUpdateProducerEpoch`).
    mutating func updateEpoch(_ epoch: Int16) {
        guard epoch != producerEpoch else { return }
        producerEpoch = epoch
        batches.removeAll()
    }
}

/// The producer fields of one batch header, for data batches that have a producer id (idempotent or
/// transactional; control batches are transaction markers, see `ProducerStateManager.completeTxn`).
struct ProducerBatch: Sendable, Hashable {
    var producerId: Int64
    var producerEpoch: Int16
    var firstSequence: Int32
    var lastSequence: Int32
    /// The batch is part of a transaction (attributes bit 4).
    var isTransactional: Bool

    init?(_ header: RecordBatchHeader) {
        guard header.hasProducerId, !header.isControl else { return nil }
        producerId = header.producerId
        isTransactional = header.isTransactional
        producerEpoch = header.producerEpoch
        firstSequence = header.baseSequence
        lastSequence = Self.incrementSequence(header.baseSequence, by: header.lastOffsetDelta)
    }

    /// `sequence + increment`, wrapping past `Int32.max` to 0 as Kafka's producers do
    /// (`DefaultRecordBatch.incrementSequence`). A negative increment (never validated into a log, but headers read
    /// back at open are not re-validated) counts as 0 rather than trapping.
    static func incrementSequence(_ sequence: Int32, by increment: Int32) -> Int32 {
        let increment = max(increment, 0)
        if sequence > Int32.max - increment {
            return increment - (Int32.max - sequence) - 1
        }
        return sequence + increment
    }

    /// Whether `next` directly follows `last` (after `Int32.max` comes 0).
    static func inSequence(last: Int32, next: Int32) -> Bool {
        Int64(next) == Int64(last) + 1 || (next == 0 && last == Int32.max)
    }
}
