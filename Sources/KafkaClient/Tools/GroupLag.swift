import KafkaProtocol

/// A consumer group's lag: the sum, over its partitions with a committed offset, of end offset - committed
/// offset (never negative per partition).
public struct GroupLag: Sendable, Hashable {
    public var group: String
    /// ListGroups' state; nil when read from ZooKeeper, which holds no group state.
    public var state: String?
    /// Partitions with a committed offset.
    public var partitions: Int
    /// Summed over the partitions whose end offset could be read.
    public var lag: Int64
    /// Partitions whose end offset could not be read (no leader, leader unreachable): their lag is unknown.
    public var partitionsWithoutEndOffset: Int

    public init(group: String, state: String? = nil, partitions: Int, lag: Int64, partitionsWithoutEndOffset: Int = 0) {
        self.group = group
        self.state = state
        self.partitions = partitions
        self.lag = lag
        self.partitionsWithoutEndOffset = partitionsWithoutEndOffset
    }

    /// The lag of `committed` offsets against `endOffsets` (missing entries: unknown end offset).
    public init(
        group: String, state: String? = nil, committed: [TopicPartition: Int64], endOffsets: [TopicPartition: Int64]
    ) {
        var lag: Int64 = 0
        var unknown = 0
        for (partition, offset) in committed {
            guard let end = endOffsets[partition] else {
                unknown += 1
                continue
            }
            let (sum, overflow) = lag.addingReportingOverflow(Self.lag(committed: offset, end: end))
            lag = overflow ? .max : sum
        }
        self.init(group: group, state: state, partitions: committed.count, lag: lag, partitionsWithoutEndOffset: unknown)
    }

    /// One partition's lag as `kafka-consumer-groups.sh` shows it: end - committed, 0 when the committed offset
    /// is beyond the end (the log was truncated under it).
    public static func lag(committed: Int64, end: Int64) -> Int64 {
        let (difference, overflow) = end.subtractingReportingOverflow(committed)
        return overflow ? 0 : max(0, difference)
    }
}
