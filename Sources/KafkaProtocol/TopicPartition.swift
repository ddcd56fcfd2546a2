/// One partition of one topic (Kafka's `TopicPartition`), the one definition every module shares: the wire
/// codec's requests name partitions with it, the storage engine keys logs and checkpoints by it, and the controller
/// and the group coordinator key their state by it. `description`, `topic-partition`, is also the name of the
/// partition's directory in each log dir.
///
/// The topic's hash is computed once, when the topic is set: a broker looks partitions up in dictionaries many
/// times per request (a follower's Fetch names thousands, each looked up in the fetch session, the partition table
/// and the purgatory), and hashing the topic's bytes each time was a sixth of an idle broker's CPU with 10,000
/// partitions. Equality compares that hash first, so most unequal keys differ without comparing the strings.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String {
        didSet { topicHash = topic.hashValue }
    }
    public var partition: Int32
    /// `topic.hashValue`, kept in step with `topic` (per process, like every Swift hash: never stored or sent).
    private var topicHash: Int

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
        self.topicHash = topic.hashValue
    }

    /// Kafka's `new TopicPartition(topic, partition)`.
    public init(_ topic: String, _ partition: Int32) {
        self.init(topic: topic, partition: partition)
    }

    public static func == (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        lhs.partition == rhs.partition && lhs.topicHash == rhs.topicHash && lhs.topic == rhs.topic
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topicHash)
        hasher.combine(partition)
    }

    /// `my-topic-12`.
    public var description: String { "\(topic)-\(partition)" }

    /// Orders by topic, then partition (the order checkpoint files are written in).
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}
