import Coordination
import KafkaProtocol

/// A transactional id's state at its coordinator (Kafka's `TransactionMetadata`), as a value: the decisions that
/// change it live in `TransactionMetadata+Transitions.swift` and never do I/O.
///
/// Kafka's two-step transition is kept: a `prepare…` method checks the request, sets `pendingState` and returns the
/// target (`TransactionTransit`); the driver writes the target to ZooKeeper and then calls `complete(_:)`, or, when
/// the write failed, drops the pending state. While a transition is pending, requests that would start another one
/// get CONCURRENT_TRANSACTIONS, as in Kafka.
struct TransactionMetadata: Sendable, Hashable {
    /// Kafka's `RecordBatch.NO_PRODUCER_ID` and `NO_PRODUCER_EPOCH`.
    static let noProducerId: Int64 = -1
    static let noProducerEpoch: Int16 = -1

    let transactionalId: String
    var producerId: Int64
    var lastProducerId: Int64
    var producerEpoch: Int16
    var lastProducerEpoch: Int16
    var txnTimeoutMs: Int32
    var state: TransactionState
    var partitions: Set<TopicPartition>
    /// The consumer groups whose offsets the transaction commits (Kafka keeps their `__consumer_offsets` partition
    /// in `partitions` instead); their group coordinators get the markers too.
    var groups: Set<String>
    var txnStartTimestampMs: Int64
    var txnLastUpdateTimestampMs: Int64
    /// The state the transition being written leads to; nil when none is in flight. Never stored.
    var pendingState: TransactionState?

    init(
        transactionalId: String, producerId: Int64, lastProducerId: Int64 = noProducerId, producerEpoch: Int16,
        lastProducerEpoch: Int16 = noProducerEpoch, txnTimeoutMs: Int32, state: TransactionState,
        partitions: Set<TopicPartition> = [], groups: Set<String> = [], txnStartTimestampMs: Int64 = -1,
        txnLastUpdateTimestampMs: Int64
    ) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.lastProducerId = lastProducerId
        self.producerEpoch = producerEpoch
        self.lastProducerEpoch = lastProducerEpoch
        self.txnTimeoutMs = txnTimeoutMs
        self.state = state
        self.partitions = partitions
        self.groups = groups
        self.txnStartTimestampMs = txnStartTimestampMs
        self.txnLastUpdateTimestampMs = txnLastUpdateTimestampMs
    }

    /// Kafka's `TransactionMetadata.isEpochExhausted`: clients never get `Int16.max`, so the coordinator can always
    /// fence the last epoch it handed out by bumping it once more.
    static func isEpochExhausted(_ epoch: Int16) -> Bool { epoch >= Int16.max - 1 }

    var isProducerEpochExhausted: Bool { Self.isEpochExhausted(producerEpoch) }
    var pendingTransitionInProgress: Bool { pendingState != nil }
}

/// The target of one transition (Kafka's `TxnTransitMetadata`): what is written to ZooKeeper, and what the metadata
/// becomes once it is.
struct TransactionTransit: Sendable, Hashable {
    var producerId: Int64
    var lastProducerId: Int64
    var producerEpoch: Int16
    var lastProducerEpoch: Int16
    var txnTimeoutMs: Int32
    var state: TransactionState
    var partitions: Set<TopicPartition>
    var groups: Set<String>
    var txnStartTimestampMs: Int64
    var txnLastUpdateTimestampMs: Int64
}

// MARK: ZooKeeper form

extension TransactionMetadata {
    /// The metadata a znode holds; nil for a state name this broker does not know (the znode decoder admits only
    /// Kafka's names, so only a newer broker's format could get here).
    init?(_ node: TransactionZNode) {
        guard let state = TransactionState.allCases.first(where: { $0.name == node.state }) else { return nil }
        self.init(
            transactionalId: node.transactionalId, producerId: node.producerId, lastProducerId: node.lastProducerId,
            producerEpoch: node.producerEpoch, lastProducerEpoch: node.lastProducerEpoch, txnTimeoutMs: node.timeoutMs,
            state: state, partitions: node.partitions, groups: node.groups, txnStartTimestampMs: node.txnStartTimestampMs,
            txnLastUpdateTimestampMs: node.txnLastUpdateTimestampMs)
    }

    /// The znode holding `transit` for this id, written by `coordinator` at `coordinatorEpoch`.
    func node(_ transit: TransactionTransit, coordinator: Int32, coordinatorEpoch: Int32) -> TransactionZNode {
        TransactionZNode(
            transactionalId: transactionalId, producerId: transit.producerId, lastProducerId: transit.lastProducerId,
            producerEpoch: transit.producerEpoch, lastProducerEpoch: transit.lastProducerEpoch,
            timeoutMs: transit.txnTimeoutMs, state: transit.state.name, partitions: transit.partitions,
            groups: transit.groups, txnStartTimestampMs: transit.txnStartTimestampMs,
            txnLastUpdateTimestampMs: transit.txnLastUpdateTimestampMs, coordinator: coordinator,
            coordinatorEpoch: coordinatorEpoch)
    }

    /// The znode of the metadata as it is now (no transition): what a new id's znode is created from.
    func node(coordinator: Int32, coordinatorEpoch: Int32) -> TransactionZNode {
        node(
            TransactionTransit(
                producerId: producerId, lastProducerId: lastProducerId, producerEpoch: producerEpoch,
                lastProducerEpoch: lastProducerEpoch, txnTimeoutMs: txnTimeoutMs, state: state, partitions: partitions,
                groups: groups, txnStartTimestampMs: txnStartTimestampMs, txnLastUpdateTimestampMs: txnLastUpdateTimestampMs),
            coordinator: coordinator, coordinatorEpoch: coordinatorEpoch)
    }
}
