/// Proof that this broker claimed a group's coordinatorship: what `GroupOffsetStore.claim` returns and every later
/// write for the group presents.
///
/// `zkVersion` is the version of `/consumers/<g>/coordinator` right after this broker's claim wrote it. Each write
/// for the group is a multi-op that first checks the node is still at that version, so once another broker claims
/// the group (and bumps the version) this fence can never write again, even from a broker frozen past its session.
public struct GroupFence: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var brokerId: Int32
    public var coordinatorEpoch: Int32
    public var zkVersion: Int32

    public init(group: String, brokerId: Int32, coordinatorEpoch: Int32, zkVersion: Int32) {
        self.group = group
        self.brokerId = brokerId
        self.coordinatorEpoch = coordinatorEpoch
        self.zkVersion = zkVersion
    }

    public var description: String {
        "GroupFence(group=\(group), broker=\(brokerId), coordinatorEpoch=\(coordinatorEpoch), zkVersion=\(zkVersion))"
    }
}
