/// The life of one ZooKeeper session as its owner sees it.
///
/// `disconnected` is recoverable: the client reconnects by itself within the session timeout and the session,
/// its ephemeral nodes and its watches survive. `expired` is final for this session: the server has dropped it,
/// and the owner must open a new one and re-create whatever ephemeral state it had.
public enum SessionState: Sendable, Hashable, CustomStringConvertible {
    case connecting
    case connected
    case disconnected
    case expired
    case authFailed
    case closed

    /// True when no further transition can happen.
    public var isTerminal: Bool {
        switch self {
        case .expired, .authFailed, .closed: return true
        case .connecting, .connected, .disconnected: return false
        }
    }

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .connected: return "connected"
        case .disconnected: return "disconnected"
        case .expired: return "expired"
        case .authFailed: return "auth-failed"
        case .closed: return "closed"
        }
    }
}

/// What identifies a session to the server: enough to re-attach to it from another handle.
public struct SessionCredentials: Sendable, Hashable {
    public var sessionID: Int64
    public var password: [UInt8]

    public init(sessionID: Int64, password: [UInt8]) {
        precondition(password.count == 16, "ZooKeeper session passwords are 16 bytes")
        self.sessionID = sessionID
        self.password = password
    }
}
