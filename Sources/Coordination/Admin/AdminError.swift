/// A refused admin operation, as the broker answers it: a Kafka error code (`Errors.java`) and Kafka's message.
public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int16
    public var message: String

    public init(code: Int16, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(Self.name(of: code)): \(message)" }

    // The error codes of `org.apache.kafka.common.protocol.Errors` that admin operations and the controller use.
    public static let unknownServerError: Int16 = -1
    public static let none: Int16 = 0
    public static let unknownTopicOrPartition: Int16 = 3
    public static let brokerNotAvailable: Int16 = 8
    public static let staleControllerEpoch: Int16 = 11
    public static let invalidTopicException: Int16 = 17
    public static let topicAlreadyExists: Int16 = 36
    public static let invalidPartitions: Int16 = 37
    public static let invalidReplicationFactor: Int16 = 38
    public static let invalidReplicaAssignment: Int16 = 39
    public static let invalidConfig: Int16 = 40
    public static let invalidRequest: Int16 = 42
    public static let reassignmentInProgress: Int16 = 60
    public static let topicDeletionDisabled: Int16 = 73

    static func invalidTopic(_ message: String) -> AdminError { AdminError(code: invalidTopicException, message: message) }
    static func topicExists(_ message: String) -> AdminError { AdminError(code: topicAlreadyExists, message: message) }
    static func partitions(_ message: String) -> AdminError { AdminError(code: invalidPartitions, message: message) }
    static func replicationFactor(_ message: String) -> AdminError {
        AdminError(code: invalidReplicationFactor, message: message)
    }
    static func replicaAssignment(_ message: String) -> AdminError {
        AdminError(code: invalidReplicaAssignment, message: message)
    }
    static func unknownTopic(_ message: String) -> AdminError { AdminError(code: unknownTopicOrPartition, message: message) }

    private static func name(of code: Int16) -> String {
        switch code {
        case unknownServerError: "UNKNOWN_SERVER_ERROR"
        case unknownTopicOrPartition: "UNKNOWN_TOPIC_OR_PARTITION"
        case brokerNotAvailable: "BROKER_NOT_AVAILABLE"
        case staleControllerEpoch: "STALE_CONTROLLER_EPOCH"
        case invalidTopicException: "INVALID_TOPIC_EXCEPTION"
        case topicAlreadyExists: "TOPIC_ALREADY_EXISTS"
        case invalidPartitions: "INVALID_PARTITIONS"
        case invalidReplicationFactor: "INVALID_REPLICATION_FACTOR"
        case invalidReplicaAssignment: "INVALID_REPLICA_ASSIGNMENT"
        case invalidConfig: "INVALID_CONFIG"
        case invalidRequest: "INVALID_REQUEST"
        case reassignmentInProgress: "REASSIGNMENT_IN_PROGRESS"
        case topicDeletionDisabled: "TOPIC_DELETION_DISABLED"
        default: "error \(code)"
        }
    }
}
