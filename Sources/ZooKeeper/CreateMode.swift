internal import CZooKeeper

/// How a znode is created. Sequential modes append a 10-digit, zero-padded counter kept by the parent.
public enum CreateMode: Sendable, Hashable {
    case persistent
    case ephemeral
    case persistentSequential
    case ephemeralSequential

    /// Whether the server appends a counter to the path (which may then end in `/`, `.` or `..`).
    var isSequential: Bool { self == .persistentSequential || self == .ephemeralSequential }

    var flags: Int32 {
        switch self {
        case .persistent: return ZOO_PERSISTENT
        case .ephemeral: return ZOO_EPHEMERAL
        case .persistentSequential: return ZOO_PERSISTENT_SEQUENTIAL
        case .ephemeralSequential: return ZOO_EPHEMERAL_SEQUENTIAL
        }
    }
}

/// "Any version" for conditional operations, as in ZooKeeper's API.
public let anyVersion: Int32 = -1
