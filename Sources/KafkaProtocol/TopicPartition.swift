/// One partition of one topic (Kafka's `TopicPartition`), the one definition every module shares: the wire
/// codec's requests name partitions with it, the storage engine keys logs and checkpoints by it, and the controller
/// and the group coordinator key their state by it. `description`, `topic-partition`, is also the name of the
/// partition's directory in each log dir.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Kafka's `new TopicPartition(topic, partition)`.
    public init(_ topic: String, _ partition: Int32) {
        self.init(topic: topic, partition: partition)
    }

    /// `my-topic-12`.
    public var description: String { "\(topic)-\(partition)" }

    /// Orders by topic, then partition (the order checkpoint files are written in).
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}
