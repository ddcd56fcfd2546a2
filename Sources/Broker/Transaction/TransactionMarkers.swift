import KafkaProtocol

/// The markers that end one transaction: a COMMIT or ABORT control record for each partition it wrote to (sent to
/// the partition's leader with WriteTxnMarkers), and the completion of the transactional offsets of each group it
/// committed offsets for (sent to the group's coordinator). `coordinatorEpoch` is the transaction coordinator's
/// epoch for the id (the znode's `coordinator_epoch`), which partition leaders use to refuse markers from an older
/// coordinator, as Kafka's leaders do with the `__transaction_state` leader epoch.
public struct TransactionMarkers: Sendable, Hashable {
    public var transactionalId: String
    public var producerId: Int64
    public var producerEpoch: Int16
    public var coordinatorEpoch: Int32
    public var commit: Bool
    public var partitions: Set<TopicPartition>
    public var groups: Set<String>

    public init(
        transactionalId: String, producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool,
        partitions: Set<TopicPartition>, groups: Set<String>
    ) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.coordinatorEpoch = coordinatorEpoch
        self.commit = commit
        self.partitions = partitions
        self.groups = groups
    }
}

/// Writes a transaction's markers (Kafka's `TransactionMarkerChannelManager`): WriteTxnMarkers to the partitions'
/// leaders and to the groups' coordinators. Returns once every marker is written or no longer needed (a partition
/// deleted); it retries by itself; it throws only when the coordinator should stop (cancellation). The transaction
/// coordinator writes CompleteCommit or CompleteAbort once it returns.
protocol TransactionMarkerSender: Sendable {
    func writeMarkers(_ markers: TransactionMarkers) async throws
}
