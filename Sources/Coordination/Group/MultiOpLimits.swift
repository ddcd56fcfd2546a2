import ZooKeeper

/// How large one multi-op of `GroupOffsetStore` may get.
///
/// ZooKeeper refuses (and drops the connection of) a request above `jute.maxbuffer`, 1 MB by default, on the
/// server. The size of a multi-op request is estimated from its paths and data plus a fixed overhead per step, and
/// kept under `bytesMax`, half of that, which leaves room for a chroot, for the estimate's error and for a server
/// configured a little lower. `operationsMax` bounds the transaction's step count (and the response's size).
public struct MultiOpLimits: Sendable, Hashable {
    /// The default limits: 512 KiB and 4000 steps, e.g. a commit of about 1900 new partitions with empty metadata.
    public static let `default` = MultiOpLimits(bytesMax: 512 * 1024, operationsMax: 4000)

    /// Per step: its header (type, done, error), length prefixes, version or flags, and a create's ACL
    /// (`world:anyone`), rounded up.
    static let operationOverheadBytes = 64
    /// The request's own header and the closing multi header.
    static let requestOverheadBytes = 64

    public var bytesMax: Int
    public var operationsMax: Int

    public init(bytesMax: Int, operationsMax: Int) {
        precondition(bytesMax > 0 && operationsMax > 0, "a multi-op holds at least one step")
        self.bytesMax = bytesMax
        self.operationsMax = operationsMax
    }

    /// The estimated request bytes of `op` when every path carries a chroot of `chrootBytes`.
    static func estimatedBytes(of op: ZooKeeperOperation, chrootBytes: Int) -> Int {
        let dataBytes: Int
        switch op {
        case .create(_, let data, _), .setData(_, let data, _): dataBytes = data.count
        case .delete, .check: dataBytes = 0
        }
        return operationOverheadBytes + chrootBytes + op.path.utf8.count + dataBytes
    }

    func allows(operations: Int, bytes: Int) -> Bool {
        operations <= operationsMax && bytes + Self.requestOverheadBytes <= bytesMax
    }
}
