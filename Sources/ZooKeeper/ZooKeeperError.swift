internal import CZooKeeper

/// A ZooKeeper failure, mapped from the C client's `ZOO_ERRORS` codes.
///
/// `connectionLoss` and `operationTimeout` mean the outcome is unknown (the request may or may not have been
/// applied): callers retry idempotently. `sessionExpired` means every ephemeral node and watch of the session is
/// gone and a new session must be opened.
public enum ZooKeeperError: Error, Equatable, Sendable, CustomStringConvertible {
    case noNode
    case nodeExists
    case badVersion
    case notEmpty
    case noChildrenForEphemerals
    case connectionLoss
    case operationTimeout
    case sessionExpired
    case sessionMoved
    case closing
    case invalidState
    case marshallingError
    case badArguments
    case noAuth
    case invalidACL
    case authFailed
    case systemError
    case unimplemented
    case runtimeInconsistency
    case dataInconsistency
    /// The client-side wait for the first connection ran out (`zookeeper.connection.timeout.ms`).
    case connectionTimeout(milliseconds: Int64)
    /// This client was closed by its owner.
    case closed
    case other(code: Int32)

    init(code: Int32) {
        switch code {
        case ZNONODE.rawValue: self = .noNode
        case ZNODEEXISTS.rawValue: self = .nodeExists
        case ZBADVERSION.rawValue: self = .badVersion
        case ZNOTEMPTY.rawValue: self = .notEmpty
        case ZNOCHILDRENFOREPHEMERALS.rawValue: self = .noChildrenForEphemerals
        case ZCONNECTIONLOSS.rawValue: self = .connectionLoss
        case ZOPERATIONTIMEOUT.rawValue: self = .operationTimeout
        case ZSESSIONEXPIRED.rawValue: self = .sessionExpired
        case ZSESSIONMOVED.rawValue: self = .sessionMoved
        case ZCLOSING.rawValue: self = .closing
        case ZINVALIDSTATE.rawValue: self = .invalidState
        case ZMARSHALLINGERROR.rawValue: self = .marshallingError
        case ZBADARGUMENTS.rawValue: self = .badArguments
        case ZNOAUTH.rawValue: self = .noAuth
        case ZINVALIDACL.rawValue: self = .invalidACL
        case ZAUTHFAILED.rawValue: self = .authFailed
        case ZSYSTEMERROR.rawValue: self = .systemError
        case ZUNIMPLEMENTED.rawValue: self = .unimplemented
        case ZRUNTIMEINCONSISTENCY.rawValue: self = .runtimeInconsistency
        case ZDATAINCONSISTENCY.rawValue: self = .dataInconsistency
        default: self = .other(code: code)
        }
    }

    /// True when the request may be retried on the same session once it reconnects.
    public var isRetryable: Bool {
        switch self {
        case .connectionLoss, .operationTimeout: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .connectionTimeout(let ms): return "timed out after \(ms) ms waiting for a ZooKeeper connection"
        case .closed: return "the ZooKeeper client is closed"
        case .other(let code): return "ZooKeeper error \(code): \(String(cString: zerror(code)))"
        default: return "\(Self.name(of: self)) (ZooKeeper)"
        }
    }

    private static func name(of error: ZooKeeperError) -> String {
        switch error {
        case .noNode: return "NoNode"
        case .nodeExists: return "NodeExists"
        case .badVersion: return "BadVersion"
        case .notEmpty: return "NotEmpty"
        case .noChildrenForEphemerals: return "NoChildrenForEphemerals"
        case .connectionLoss: return "ConnectionLoss"
        case .operationTimeout: return "OperationTimeout"
        case .sessionExpired: return "SessionExpired"
        case .sessionMoved: return "SessionMoved"
        case .closing: return "Closing"
        case .invalidState: return "InvalidState"
        case .marshallingError: return "MarshallingError"
        case .badArguments: return "BadArguments"
        case .noAuth: return "NoAuth"
        case .invalidACL: return "InvalidACL"
        case .authFailed: return "AuthFailed"
        case .systemError: return "SystemError"
        case .unimplemented: return "Unimplemented"
        case .runtimeInconsistency: return "RuntimeInconsistency"
        case .dataInconsistency: return "DataInconsistency"
        case .connectionTimeout, .closed, .other: return "\(error)"
        }
    }
}
