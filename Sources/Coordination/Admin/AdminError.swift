import KafkaProtocol

/// A refused admin operation, as the broker answers it: a Kafka error code and Kafka's message.
public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name ?? "error \(code.rawValue)"): \(message)" }

    static func invalidTopic(_ message: String) -> AdminError { AdminError(code: .invalidTopicException, message: message) }
    static func topicExists(_ message: String) -> AdminError { AdminError(code: .topicAlreadyExists, message: message) }
    static func partitions(_ message: String) -> AdminError { AdminError(code: .invalidPartitions, message: message) }
    static func replicationFactor(_ message: String) -> AdminError {
        AdminError(code: .invalidReplicationFactor, message: message)
    }
    static func replicaAssignment(_ message: String) -> AdminError {
        AdminError(code: .invalidReplicaAssignment, message: message)
    }
    static func unknownTopic(_ message: String) -> AdminError { AdminError(code: .unknownTopicOrPartition, message: message) }
}
