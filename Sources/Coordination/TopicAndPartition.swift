/// A partition of a topic (Kafka's `TopicPartition`), as Coordination names it: the controller's partitions and the
/// partitions of a consumer group's committed offsets (`GroupOffsetStore`).
public struct TopicAndPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: Self, b: Self) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
    public var description: String { "\(topic)-\(partition)" }
}
