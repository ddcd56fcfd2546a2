/// One partition of one topic (Kafka's `TopicPartition`). Its `description`, `topic-partition`, is also the name of
/// the partition's directory in each log dir and the key used in logs and checkpoint files.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// `my-topic-12`.
    public var description: String { "\(topic)-\(partition)" }

    /// The partition's directory name inside a log dir (Kafka's `Log.logDirName`): `<topic>-<partition>`.
    public var directoryName: String { description }

    /// Parses a partition directory name as Kafka's `Log.parseTopicPartitionName` does: `topic-partition`, or
    /// `topic-partition.uniqueId-delete` / `topic-partition.uniqueId-future` for directories being deleted or moved.
    /// Topic names may contain `-`, so the partition follows the last `-`. Nil for anything else (an empty topic,
    /// a partition that is not an Int32, no `-` at all): such a directory does not belong to Kafka.
    public init?(directoryName: String) {
        var name = Substring(directoryName)
        if name.hasSuffix(LogFileNames.deleteDirSuffix) || name.hasSuffix(LogFileNames.futureDirSuffix) {
            guard !name.contains(where: \.isWhitespace), let dot = name.lastIndex(of: ".") else { return nil }
            name = name[..<dot]
        }
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let topic = name[..<dash]
        guard !topic.isEmpty, let partition = Int32(name[name.index(after: dash)...]) else { return nil }
        self.init(topic: String(topic), partition: partition)
    }

    /// Orders by topic, then partition (the order checkpoint files are written in).
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}
