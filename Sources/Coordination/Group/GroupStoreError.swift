import ZooKeeper

/// Why a `GroupOffsetStore` call failed. The broker's group coordinator maps each case to a Kafka error code.
public enum GroupStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another broker claimed the group after this fence was taken (or its coordinator node is gone): nothing was
    /// written, and this broker must stop coordinating the group (Kafka: NOT_COORDINATOR).
    case fenced(group: String, zkVersion: Int32)
    /// One call would need a multi-op above the store's limits; ZooKeeper refuses requests above `jute.maxbuffer`
    /// (1 MB) and a call is all or nothing, so it is refused whole (Kafka: OFFSET_METADATA_TOO_LARGE for commits).
    case tooLarge(group: String, bytes: Int, operations: Int)
    /// The request failed in ZooKeeper. After a connection loss, a timeout or the session's expiry the outcome of
    /// a write is unknown: it may or may not have been applied (Kafka: COORDINATOR_NOT_AVAILABLE, retriable).
    case zooKeeper(ZooKeeperError)
    /// A znode holds something Kafka's format does not allow and the call cannot go on without it.
    case corrupt(path: String, reason: String)
    /// A group, topic or partition that cannot be a znode name (empty, `.`, `..`, a `/`, control characters, a
    /// negative partition) (Kafka: INVALID_GROUP_ID, or UNKNOWN_TOPIC_OR_PARTITION for partitions).
    case invalidName(String)
    /// Other brokers kept winning the race for the group's coordinator node.
    case contended(group: String, attempts: Int)

    public var description: String {
        switch self {
        case .fenced(let group, let version):
            "group \(group) was claimed by another coordinator (its coordinator node is no longer at zkVersion \(version))"
        case .tooLarge(let group, let bytes, let operations):
            "a write for group \(group) needs \(operations) ZooKeeper operations and about \(bytes) bytes: above one multi-op's limits"
        case .zooKeeper(let error):
            "ZooKeeper failed (\(error)); a write may or may not have been applied"
        case .corrupt(let path, let reason):
            "unexpected data in znode \(path): \(reason)"
        case .invalidName(let name):
            "'\(name)' cannot be a ZooKeeper node name"
        case .contended(let group, let attempts):
            "lost the race for group \(group)'s coordinator node \(attempts) times in a row"
        }
    }
}
