import KafkaProtocol

/// `/transactions/<sanitized transactional id>`: a transactional id's state at its coordinator, what Kafka 2.8 kept
/// as the id's latest record in `__transaction_state` (`TransactionLog.valueToBytes`), plus the coordinator's fence:
///
///     {"version":1,"transactional_id":"tx","producer_id":4000,"last_producer_id":-1,"producer_epoch":3,
///      "last_producer_epoch":-1,"timeout_ms":60000,"state":"Ongoing",
///      "partitions":[{"topic":"t","partitions":[0,1]}],"groups":["g"],"txn_start_timestamp":1732400000000,
///      "txn_last_update_timestamp":1732400000500,"coordinator":1,"coordinator_epoch":7}
///
/// `state` is Kafka's state name (`Empty`, `Ongoing`, `PrepareCommit`, ...). `groups` are the consumer groups whose
/// offsets the transaction commits (Kafka adds their `__consumer_offsets` partition instead). A broker becoming the
/// id's coordinator rewrites the node with `coordinator` = itself and `coordinator_epoch` + 1, conditional on the
/// version it read; every later write is conditional on the version it last wrote, so once another broker claimed
/// the id nothing from the old coordinator lands (`TransactionStore`).
public struct TransactionZNode: Sendable, Hashable {
    /// Kafka's `TransactionState` names, the only values `state` may hold.
    public static let stateNames: Set<String> = [
        "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
    ]
    /// The coordinator epoch of an id nobody has coordinated yet; the first claim writes `initialCoordinatorEpoch + 1`.
    public static let initialCoordinatorEpoch: Int32 = 0

    public var transactionalId: String
    public var producerId: Int64
    public var lastProducerId: Int64
    public var producerEpoch: Int16
    public var lastProducerEpoch: Int16
    public var timeoutMs: Int32
    public var state: String
    public var partitions: Set<TopicPartition>
    public var groups: Set<String>
    public var txnStartTimestampMs: Int64
    public var txnLastUpdateTimestampMs: Int64
    public var coordinator: Int32
    public var coordinatorEpoch: Int32

    public init(
        transactionalId: String, producerId: Int64, lastProducerId: Int64, producerEpoch: Int16, lastProducerEpoch: Int16,
        timeoutMs: Int32, state: String, partitions: Set<TopicPartition> = [], groups: Set<String> = [],
        txnStartTimestampMs: Int64, txnLastUpdateTimestampMs: Int64, coordinator: Int32, coordinatorEpoch: Int32
    ) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.lastProducerId = lastProducerId
        self.producerEpoch = producerEpoch
        self.lastProducerEpoch = lastProducerEpoch
        self.timeoutMs = timeoutMs
        self.state = state
        self.partitions = partitions
        self.groups = groups
        self.txnStartTimestampMs = txnStartTimestampMs
        self.txnLastUpdateTimestampMs = txnLastUpdateTimestampMs
        self.coordinator = coordinator
        self.coordinatorEpoch = coordinatorEpoch
    }

    /// The znode name of a transactional id: Kafka's `Sanitizer` encoding (letters, digits and `.-_` stay, every
    /// other UTF-8 byte is `%XX`), with the two names ZooKeeper refuses, `.` and `..`, written `%2E` and `%2E%2E`.
    /// `Sanitizer.desanitize` reverses it; nil for the empty id, which Kafka refuses anyway (INVALID_REQUEST).
    public static func nodeName(for transactionalId: String) -> String? {
        guard !transactionalId.isEmpty else { return nil }
        let sanitized = Sanitizer.sanitize(transactionalId)
        guard sanitized != ".", sanitized != ".." else { return String(repeating: "%2E", count: sanitized.count) }
        return sanitized
    }

    /// The znode path of a transactional id, nil for the empty id.
    public static func path(for transactionalId: String) -> String? {
        nodeName(for: transactionalId).map { ZkPaths.transaction(sanitizedId: $0) }
    }

    public func encoded() -> [UInt8] {
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        let partitionsJSON = byTopic.keys.sorted().map { topic in
            OrderedJSON.object([
                ("topic", .string(topic)), ("partitions", .ints(byTopic[topic, default: []].map(\.partition).sorted())),
            ])
        }
        return OrderedJSON.object([
            ("version", .int(1)), ("transactional_id", .string(transactionalId)), ("producer_id", .int(producerId)),
            ("last_producer_id", .int(lastProducerId)), ("producer_epoch", .int(Int64(producerEpoch))),
            ("last_producer_epoch", .int(Int64(lastProducerEpoch))), ("timeout_ms", .int32(timeoutMs)),
            ("state", .string(state)), ("partitions", .array(partitionsJSON)),
            ("groups", .array(groups.sorted().map(OrderedJSON.string))), ("txn_start_timestamp", .int(txnStartTimestampMs)),
            ("txn_last_update_timestamp", .int(txnLastUpdateTimestampMs)), ("coordinator", .int32(coordinator)),
            ("coordinator_epoch", .int32(coordinatorEpoch)),
        ]).bytes
    }

    private struct JSON: Decodable {
        struct TopicPartitions: Decodable {
            var topic: String
            var partitions: [Int32]
        }
        var version: Int
        var transactional_id: String
        var producer_id: Int64
        var last_producer_id: Int64
        var producer_epoch: Int16
        var last_producer_epoch: Int16
        var timeout_ms: Int32
        var state: String
        var partitions: [TopicPartitions]
        var groups: [String]
        var txn_start_timestamp: Int64
        var txn_last_update_timestamp: Int64
        var coordinator: Int32
        var coordinator_epoch: Int32
    }

    /// Malformed: not this JSON, an unknown state, ids or epochs below -1 (Kafka's "none"), a timeout that is not
    /// positive, a negative partition, an empty topic, or a negative coordinator epoch.
    public static func decode(_ bytes: [UInt8], path: String) throws -> TransactionZNode {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        let partitions = json.partitions.flatMap { entry in entry.partitions.map { TopicPartition(entry.topic, $0) } }
        guard json.version >= 1, !json.transactional_id.isEmpty, stateNames.contains(json.state),
              json.producer_id >= -1, json.last_producer_id >= -1, json.producer_epoch >= -1, json.last_producer_epoch >= -1,
              json.timeout_ms > 0, json.coordinator_epoch >= 0, json.txn_start_timestamp >= -1,
              json.txn_last_update_timestamp >= -1,
              partitions.allSatisfy({ !$0.topic.isEmpty && $0.partition >= 0 })
        else {
            throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        }
        return TransactionZNode(
            transactionalId: json.transactional_id, producerId: json.producer_id, lastProducerId: json.last_producer_id,
            producerEpoch: json.producer_epoch, lastProducerEpoch: json.last_producer_epoch, timeoutMs: json.timeout_ms,
            state: json.state, partitions: Set(partitions), groups: Set(json.groups),
            txnStartTimestampMs: json.txn_start_timestamp, txnLastUpdateTimestampMs: json.txn_last_update_timestamp,
            coordinator: json.coordinator, coordinatorEpoch: json.coordinator_epoch)
    }
}
