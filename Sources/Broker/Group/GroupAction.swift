import Coordination
import KafkaProtocol

/// What the group state machine asks its driver to do after an event.
enum GroupAction: Sendable, Equatable {
    /// Answer a waiting JoinGroup.
    case completeJoin(GroupRequestID, JoinGroupResult)
    /// Answer a waiting SyncGroup.
    case completeSync(GroupRequestID, SyncGroupResult)
    /// Write these offsets to ZooKeeper (one all-or-nothing write), then report with `offsetsStored`.
    case storeOffsets(GroupRequestID, [TopicPartition: OffsetAndMetadata])
    /// Answer an OffsetCommit with one error per partition.
    case completeCommit(GroupRequestID, [TopicPartition: ErrorCode])
    /// Call `timerFired` at this time (replaces any earlier timer; nil cancels it).
    case scheduleTimer(atMs: Int64?)
}

/// A JoinGroup answer (Kafka's `JoinGroupResult`); `members` is filled for the leader only.
struct JoinGroupResult: Sendable, Equatable {
    struct Member: Sendable, Equatable {
        var memberId: String
        var groupInstanceId: String?
        var metadata: [UInt8]
    }

    var error: ErrorCode
    var memberId: String
    var generationId: Int32 = -1
    var protocolType: String?
    var protocolName: String?
    var leaderId: String = ""
    var members: [Member] = []

    static func failure(_ error: ErrorCode, memberId: String) -> JoinGroupResult {
        JoinGroupResult(error: error, memberId: memberId)
    }
}

/// A SyncGroup answer: this member's assignment, relayed as the leader sent it.
struct SyncGroupResult: Sendable, Equatable {
    var error: ErrorCode
    var protocolType: String?
    var protocolName: String?
    var assignment: [UInt8] = []

    static func failure(_ error: ErrorCode) -> SyncGroupResult { SyncGroupResult(error: error) }
}

/// What a member sends in JoinGroup, decoded from any version (v0 has no rebalance timeout: it is the session
/// timeout, as Kafka reads it).
struct JoinGroupParameters: Sendable, Equatable {
    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var sessionTimeoutMs: Int32
    var rebalanceTimeoutMs: Int32
    var protocolType: String
    var protocols: [MemberMetadata.SupportedProtocol]
    /// JoinGroup v4+ without a group instance id: a new member first gets MEMBER_ID_REQUIRED and a member id.
    var requireKnownMemberId: Bool
    /// The id a new member gets (clientId or group.instance.id, "-", a UUID), made by the driver so that the
    /// state machine stays deterministic.
    var newMemberId: String
}

/// The coordinator's limits for groups (`group.*` keys of server.properties).
struct GroupConfig: Sendable, Equatable {
    var minSessionTimeoutMs: Int32 = 6000
    var maxSessionTimeoutMs: Int32 = 1_800_000
    var maxSize: Int = Int(Int32.max)
    var initialRebalanceDelayMs: Int32 = 3000
    /// How long a new member's first JoinGroup may wait before it is dropped (Kafka's `NewMemberJoinTimeoutMs`).
    var newMemberJoinTimeoutMs: Int64 = 300_000
}
