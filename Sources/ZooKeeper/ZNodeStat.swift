internal import CZooKeeper

/// The metadata ZooKeeper keeps for a znode (`struct Stat` in the C client).
///
/// `version` is what conditional writes (`setData`, `delete`, multi-op `check`) compare against;
/// `ephemeralOwner` is the owning session id of an ephemeral node and 0 for persistent ones.
public struct ZNodeStat: Sendable, Hashable {
    public var czxid: Int64
    public var mzxid: Int64
    public var ctimeMs: Int64
    public var mtimeMs: Int64
    public var version: Int32
    public var cversion: Int32
    public var aversion: Int32
    public var ephemeralOwner: Int64
    public var dataLength: Int32
    public var numChildren: Int32
    public var pzxid: Int64

    init(_ c: CZooKeeper.Stat) {
        czxid = c.czxid
        mzxid = c.mzxid
        ctimeMs = c.ctime
        mtimeMs = c.mtime
        version = c.version
        cversion = c.cversion
        aversion = c.aversion
        ephemeralOwner = c.ephemeralOwner
        dataLength = c.dataLength
        numChildren = c.numChildren
        pzxid = c.pzxid
    }

    public var isEphemeral: Bool { ephemeralOwner != 0 }
}
