import KafkaProtocol

/// The offsets one producer's open transaction committed for a group (TxnOffsetCommit), waiting for the
/// transaction's outcome (Kafka's `GroupMetadata.pendingTransactionalOffsetCommits`, one producer's entry).
///
/// Until the commit marker arrives they are invisible to OffsetFetch; the commit marker makes them the group's
/// committed offsets, the abort marker drops them. Kept in `/consumers/<g>/txn_offsets/<producerId>`
/// (`TxnOffsetsZNode`) so that a new coordinator after a failover still completes them.
public struct PendingTransactionalOffsets: Sendable, Hashable {
    public var transactionalId: String
    /// The epoch of the producer's latest TxnOffsetCommit.
    public var producerEpoch: Int16
    public var offsets: [TopicPartition: OffsetAndMetadata]

    public init(transactionalId: String, producerEpoch: Int16, offsets: [TopicPartition: OffsetAndMetadata]) {
        self.transactionalId = transactionalId
        self.producerEpoch = producerEpoch
        self.offsets = offsets
    }
}

/// What a group's coordinator reads when it loads the group: committed offsets and open transactions' offsets,
/// each with the zxid of the znode's last write, which orders a transactional commit against a plain one after a
/// failover (Kafka compares the offsets of their records in `__consumer_offsets`).
public struct GroupOffsetsSnapshot: Sendable, Hashable {
    public var offsets: [TopicPartition: OffsetAndMetadata]
    /// The mzxid of each offset znode.
    public var offsetZxids: [TopicPartition: Int64]
    /// By producer id.
    public var pendingTransactions: [Int64: PendingTransactionalOffsets]
    /// The mzxid of each producer's `txn_offsets` znode (its latest TxnOffsetCommit).
    public var pendingTransactionZxids: [Int64: Int64]

    public init(
        offsets: [TopicPartition: OffsetAndMetadata] = [:], offsetZxids: [TopicPartition: Int64] = [:],
        pendingTransactions: [Int64: PendingTransactionalOffsets] = [:], pendingTransactionZxids: [Int64: Int64] = [:]
    ) {
        self.offsets = offsets
        self.offsetZxids = offsetZxids
        self.pendingTransactions = pendingTransactions
        self.pendingTransactionZxids = pendingTransactionZxids
    }
}
