/// One partition's replicas (Kafka's `ReplicaAssignment`): the assignment order is the preference order, the first
/// replica is the preferred leader. `adding`/`removing` are non-empty only while a reassignment runs.
public struct PartitionReplicas: Sendable, Hashable {
    public var replicas: [Int32]
    public var addingReplicas: [Int32]
    public var removingReplicas: [Int32]

    public init(_ replicas: [Int32], adding: [Int32] = [], removing: [Int32] = []) {
        self.replicas = replicas
        self.addingReplicas = adding
        self.removingReplicas = removing
    }
}

/// `/brokers/topics/<t>`: a topic's replica assignment (Kafka's `TopicZNode`).
///
/// Written as version 2 (`{"version":2,"partitions":{"0":[0,1]},"adding_replicas":{},"removing_replicas":{}}`, what
/// Kafka wrote before topic ids). A `topic_id` that Kafka 2.8 wrote is kept: such a node is rewritten as version 3
/// with its id, so adding partitions never loses it.
public struct TopicZNode: Sendable, Hashable {
    public var topic: String
    public var topicId: String?
    public var partitions: [Int32: PartitionReplicas]

    public init(topic: String, topicId: String? = nil, partitions: [Int32: PartitionReplicas]) {
        self.topic = topic
        self.topicId = topicId
        self.partitions = partitions
    }

    /// Plain replica lists by partition.
    public var replicaAssignment: [Int32: [Int32]] { partitions.mapValues(\.replicas) }

    private struct JSON: Decodable {
        var partitions: [String: [Int32]]?
        var adding_replicas: [String: [Int32]]?
        var removing_replicas: [String: [Int32]]?
        var topic_id: String?
    }

    public func encoded() -> [UInt8] {
        let ordered = partitions.keys.sorted()
        func map(_ lists: (PartitionReplicas) -> [Int32], skipEmpty: Bool) -> OrderedJSON {
            .object(ordered.compactMap { id in
                let list = lists(partitions[id]!)
                return skipEmpty && list.isEmpty ? nil : (String(id), .ints(list))
            })
        }
        var members: [(key: String, value: OrderedJSON)] = [
            ("version", .int(topicId == nil ? 2 : 3)),
            ("partitions", map(\.replicas, skipEmpty: false)),
            ("adding_replicas", map(\.addingReplicas, skipEmpty: true)),
            ("removing_replicas", map(\.removingReplicas, skipEmpty: true)),
        ]
        if let topicId { members.append(("topic_id", .string(topicId))) }
        return OrderedJSON.object(members).bytes
    }

    public static func decode(topic: String, from bytes: [UInt8]) throws -> TopicZNode {
        let path = ZkPaths.topic(topic)
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        var partitions: [Int32: PartitionReplicas] = [:]
        for (key, replicas) in json.partitions ?? [:] {
            guard let id = Int32(key), id >= 0 else {
                throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
            }
            partitions[id] = PartitionReplicas(
                replicas, adding: json.adding_replicas?[key] ?? [], removing: json.removing_replicas?[key] ?? [])
        }
        return TopicZNode(topic: topic, topicId: json.topic_id, partitions: partitions)
    }
}
