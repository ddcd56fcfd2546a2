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

/// What a partition's log knows of one producer id (Kafka's `ProducerStateEntry`): its current epoch and its
/// last `ProducerStateManager.batchesRetainedMax` batches of that epoch, oldest first. Never empty: an entry
/// exists because a batch of the producer is in the log.
public struct ProducerStateEntry: Sendable, Hashable {
    public internal(set) var producerEpoch: Int16
    public internal(set) var batches: [BatchMetadata]

    /// The sequence of the last record appended by this producer in its current epoch.
    public var lastSequence: Int32 { batches[batches.count - 1].lastSequence }
    /// The offset of its last record in the log.
    public var lastOffset: Int64 { batches[batches.count - 1].lastOffset }

    /// The cached batch with exactly this sequence range, if any (Kafka's `batchWithSequenceRange`).
    func batch(firstSequence: Int32, lastSequence: Int32) -> BatchMetadata? {
        batches.first { $0.firstSequence == firstSequence && $0.lastSequence == lastSequence }
    }
}

/// The producer fields of one batch header, for batches that have a producer id (idempotent or transactional,
/// not control batches).
struct ProducerBatch: Sendable, Hashable {
    var producerId: Int64
    var producerEpoch: Int16
    var firstSequence: Int32
    var lastSequence: Int32

    init?(_ header: RecordBatchHeader) {
        guard header.hasProducerId, !header.isControl else { return nil }
        producerId = header.producerId
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
