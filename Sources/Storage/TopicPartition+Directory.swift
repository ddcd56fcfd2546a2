import KafkaProtocol

extension TopicPartition {
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
}
