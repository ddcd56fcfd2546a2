import ZooKeeper

/// Why a `TransactionStore` call failed. The transaction coordinator maps each case to a Kafka error code, as Kafka
/// maps a failed append to `__transaction_state`.
public enum TransactionStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The znode is no longer at the version this coordinator last wrote (another broker claimed the id, or it was
    /// deleted): nothing was written, and this broker must drop its copy (Kafka: NOT_COORDINATOR).
    case fenced(transactionalId: String, zkVersion: Int32)
    /// The request failed in ZooKeeper. After a connection loss, a timeout or the session's expiry the outcome of
    /// a write is unknown (Kafka: COORDINATOR_NOT_AVAILABLE, retriable).
    case zooKeeper(ZooKeeperError)
    /// A znode holds something the format does not allow.
    case corrupt(path: String, reason: String)
    /// The empty transactional id, which cannot be a znode (Kafka: INVALID_REQUEST).
    case invalidId(String)
    /// Other brokers kept winning the race for the id's znode.
    case contended(transactionalId: String, attempts: Int)

    public var description: String {
        switch self {
        case .fenced(let id, let version):
            "transactional id \(id) was claimed by another coordinator (its znode is no longer at zkVersion \(version))"
        case .zooKeeper(let error):
            "ZooKeeper failed (\(error)); a write may or may not have been applied"
        case .corrupt(let path, let reason):
            "unexpected data in znode \(path): \(reason)"
        case .invalidId(let id):
            "'\(id)' is not a valid transactional id"
        case .contended(let id, let attempts):
            "lost the race for transactional id \(id)'s znode \(attempts) times in a row"
        }
    }
}
