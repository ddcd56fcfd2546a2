import KafkaProtocol

/// Requests that reach the controller from brokers and admin clients (ControlledShutdown, ElectLeaders) are events
/// with a reply: the event carries an id, and the state machine answers with `.reply(id, _)` once the event's work is
/// done, so the machine stays a value that tests compare.
public typealias ControllerReplyID = UInt64

/// What the controller answers to a request that waited for it.
enum ControllerReply: Sendable, Equatable {
    case controlledShutdown(ControlledShutdownResult)
    case electLeaders([TopicPartition: ElectionOutcome])
    case alterPartitionReassignments([TopicPartition: ApiError])
    case listPartitionReassignments([TopicPartition: PartitionReplicas])
}

/// An error code with its message (Kafka's `ApiError`); `ApiError.success` (Kafka's `NONE`) has a null message.
public struct ApiError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String?

    public init(_ code: ErrorCode, _ message: String? = nil) {
        self.code = code
        self.message = message
    }

    public static let success = ApiError(.noError)

    public var description: String { message.map { "\(code): \($0)" } ?? "\(code)" }
}

/// The answer to a broker's ControlledShutdown (Kafka's `ControlledShutdownResponse`).
public enum ControlledShutdownResult: Sendable, Equatable {
    /// Leadership moved off the broker except for `remaining` (partitions no other ISR member can lead yet); the
    /// broker retries while any remain.
    case completed(remaining: [TopicPartition])
    /// BROKER_NOT_AVAILABLE (not registered), STALE_BROKER_EPOCH (an earlier registration asked), NOT_CONTROLLER.
    case failed(ErrorCode)
}

/// Kafka's `ElectionType` (KIP-460): ElectLeaders' `election_type` byte.
public enum ElectionType: Int8, Sendable, Equatable, CustomStringConvertible {
    case preferred = 0
    case unclean = 1

    public var description: String { self == .preferred ? "PREFERRED" : "UNCLEAN" }
}

/// One partition's answer to ElectLeaders.
public enum ElectionOutcome: Sendable, Equatable {
    case elected(leader: Int32)
    /// ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION,
    /// INVALID_TOPIC_EXCEPTION, with Kafka's message (nil where Kafka sends null).
    case failed(ErrorCode, message: String?)
}
