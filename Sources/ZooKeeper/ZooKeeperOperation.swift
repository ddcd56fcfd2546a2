/// One step of a multi-op transaction: all steps are applied atomically, or none is.
public enum ZooKeeperOperation: Sendable, Hashable {
    case create(path: String, data: [UInt8], mode: CreateMode)
    case delete(path: String, version: Int32)
    case setData(path: String, data: [UInt8], version: Int32)
    /// Fails the transaction unless the node's version is `version`: the fencing primitive.
    case check(path: String, version: Int32)

    public var path: String {
        switch self {
        case .create(let path, _, _), .delete(let path, _), .setData(let path, _, _), .check(let path, _):
            return path
        }
    }
}

/// The outcome of one step of a successful multi-op, in request order.
public enum ZooKeeperOperationResult: Sendable, Hashable {
    case created(path: String)
    case deleted
    case dataSet(ZNodeStat)
    case checked
}

/// A failed multi-op: nothing was applied. `index` is the first step that failed, `error` why.
public struct ZooKeeperMultiError: Error, Sendable, CustomStringConvertible {
    public var index: Int
    public var error: ZooKeeperError
    public var operation: ZooKeeperOperation

    public var description: String {
        "multi-op failed at step \(index) (\(operation.path)): \(error)"
    }
}
