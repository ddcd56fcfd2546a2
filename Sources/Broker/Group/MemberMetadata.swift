/// One member of a group as its coordinator knows it (Kafka's `MemberMetadata`): who it is, the protocols it
/// supports in its order of preference (opaque bytes the broker relays, never reads, except for the consumer
/// protocol's subscribed topics), its assignment, its session deadline and the requests it is waiting on.
struct MemberMetadata: Sendable, Equatable {
    struct SupportedProtocol: Sendable, Equatable {
        var name: String
        var metadata: [UInt8]
    }

    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var rebalanceTimeoutMs: Int32
    var sessionTimeoutMs: Int32
    var protocolType: String
    var protocols: [SupportedProtocol]
    var assignment: [UInt8] = []
    /// The JoinGroup request waiting for the rebalance to complete, if any.
    var awaitingJoin: GroupRequestID?
    /// The SyncGroup request waiting for the leader's assignment, if any.
    var awaitingSync: GroupRequestID?
    /// When the member is removed unless it heartbeats (or joins, syncs, commits) again; nil while no session
    /// timer runs (Kafka stops it while a member waits on a rebalance).
    var heartbeatDeadlineMs: Int64?
    /// Joined but never completed a rebalance: such a member may be expired even while it waits on JoinGroup.
    var isNew = false

    var isStatic: Bool { groupInstanceId != nil }

    /// The first protocol of this member's preference list that every member supports (Kafka's `vote`).
    func vote(among candidates: Set<String>) -> String? {
        protocols.first { candidates.contains($0.name) }?.name
    }

    func metadata(for protocolName: String) -> [UInt8]? {
        protocols.first { $0.name == protocolName }?.metadata
    }

    /// Same protocols, in the same order, with the same metadata (Kafka's `matches`).
    func matches(_ other: [SupportedProtocol]) -> Bool { protocols == other }
}

/// A driver's handle for a request that waits on the group (JoinGroup, SyncGroup, OffsetCommit): the state
/// machine names it in the action that answers it.
struct GroupRequestID: Hashable, Sendable, Comparable, CustomStringConvertible {
    var rawValue: UInt64

    static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    var description: String { "#\(rawValue)" }
}
