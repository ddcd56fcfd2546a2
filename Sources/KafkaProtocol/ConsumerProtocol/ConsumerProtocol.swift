import NIOCore

/// The consumer's embedded protocol (Kafka's `ConsumerProtocol`): what a member of a group with protocol type
/// "consumer" puts in JoinGroup's protocol metadata (its subscription) and what the leader puts in SyncGroup for
/// each member (its assignment). The broker relays both as opaque bytes; it reads subscriptions only to know a
/// group's topics (OffsetDelete, expiry, rebalancing when a topic grows), and the CLI reads assignments.
///
/// Both start with an int16 version; versions above the newest known are read as the newest (Kafka's forward
/// compatibility rule: fields are only ever appended).
public enum ConsumerProtocol {
    public static let protocolType = "consumer"
}

/// `ConsumerProtocolSubscription` v0-1: topics, user data, and (v1+) the partitions the member owns.
public struct ConsumerProtocolSubscription: Sendable, Equatable {
    public var version: Int16
    public var topics: [String]
    public var userData: [UInt8]?
    public var ownedPartitions: [(topic: String, partitions: [Int32])]

    public init(version: Int16 = 1, topics: [String], userData: [UInt8]? = nil,
                ownedPartitions: [(topic: String, partitions: [Int32])] = []) {
        self.version = version
        self.topics = topics
        self.userData = userData
        self.ownedPartitions = ownedPartitions
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.version == b.version && a.topics == b.topics && a.userData == b.userData
            && a.ownedPartitions.elementsEqual(b.ownedPartitions) { $0.topic == $1.topic && $0.partitions == $1.partitions }
    }

    public init(decoding bytes: [UInt8], limits: WireLimits = .default) throws(ProtocolDecodingError) {
        var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes), limits: limits)
        version = try reader.int16("version")
        guard version >= 0 else { throw ProtocolDecodingError(field: "version", kind: .invalidValue(Int64(version))) }
        let topicCount = try reader.arrayCount("topics")
        var topics: [String] = []
        topics.reserveCapacity(topicCount)
        for _ in 0..<topicCount { topics.append(try reader.string("topics")) }
        self.topics = topics
        userData = try reader.nullableBytes("user_data").map { Array($0.readableBytesView) }
        ownedPartitions = version >= 1 && reader.remaining > 0 ? try reader.topicPartitionList("owned_partitions") : []
    }

    public func encoded() -> [UInt8] {
        var writer = KafkaWriter()
        writer.int16(version)
        try? writer.arrayCount(topics.count)
        for topic in topics { try? writer.string(topic) }
        try? writer.nullableBytes(userData.map { ByteBuffer(bytes: $0) })
        if version >= 1 { writer.topicPartitionList(ownedPartitions) }
        return Array(writer.buffer.readableBytesView)
    }
}

/// `ConsumerProtocolAssignment` v0-1: the partitions the leader gave one member, and user data.
public struct ConsumerProtocolAssignment: Sendable, Equatable {
    public var version: Int16
    public var assignedPartitions: [(topic: String, partitions: [Int32])]
    public var userData: [UInt8]?

    public init(version: Int16 = 1, assignedPartitions: [(topic: String, partitions: [Int32])], userData: [UInt8]? = nil) {
        self.version = version
        self.assignedPartitions = assignedPartitions
        self.userData = userData
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.version == b.version && a.userData == b.userData
            && a.assignedPartitions.elementsEqual(b.assignedPartitions) { $0.topic == $1.topic && $0.partitions == $1.partitions }
    }

    /// An empty byte string is an empty assignment (what the coordinator gives members the leader left out).
    public init(decoding bytes: [UInt8], limits: WireLimits = .default) throws(ProtocolDecodingError) {
        guard !bytes.isEmpty else {
            self.init(version: 0, assignedPartitions: [])
            return
        }
        var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes), limits: limits)
        let version = try reader.int16("version")
        guard version >= 0 else { throw ProtocolDecodingError(field: "version", kind: .invalidValue(Int64(version))) }
        let partitions = try reader.topicPartitionList("assigned_partitions")
        let userData = reader.remaining > 0 ? try reader.nullableBytes("user_data").map { Array($0.readableBytesView) } : nil
        self.init(version: version, assignedPartitions: partitions, userData: userData)
    }

    public func encoded() -> [UInt8] {
        var writer = KafkaWriter()
        writer.int16(version)
        writer.topicPartitionList(assignedPartitions)
        try? writer.nullableBytes(userData.map { ByteBuffer(bytes: $0) })
        return Array(writer.buffer.readableBytesView)
    }
}

extension KafkaReader {
    fileprivate mutating func topicPartitionList(_ field: StaticString) throws(ProtocolDecodingError)
        -> [(topic: String, partitions: [Int32])]
    {
        let count = try arrayCount(field)
        var result: [(topic: String, partitions: [Int32])] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            let topic = try string(field)
            let partitionCount = try arrayCount(field)
            var partitions: [Int32] = []
            partitions.reserveCapacity(partitionCount)
            for _ in 0..<partitionCount { partitions.append(try int32(field)) }
            result.append((topic, partitions))
        }
        return result
    }
}

extension KafkaWriter {
    fileprivate mutating func topicPartitionList(_ list: [(topic: String, partitions: [Int32])]) {
        try? arrayCount(list.count)
        for (topic, partitions) in list {
            try? string(topic)
            try? arrayCount(partitions.count)
            for partition in partitions { int32(partition) }
        }
    }
}
