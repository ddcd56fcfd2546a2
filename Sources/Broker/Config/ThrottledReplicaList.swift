/// The topic configs `leader.replication.throttled.replicas` and `follower.replication.throttled.replicas`: "" (no
/// replica), "*" (every replica), or `partition:broker` pairs. Each broker reads the partitions whose pair names it
/// (Kafka's `TopicConfigHandler.parseThrottledPartitions`).
enum ThrottledReplicaList {
    static let leaderKey = "leader.replication.throttled.replicas"
    static let followerKey = "follower.replication.throttled.replicas"

    /// Which of a topic's partitions are throttled on one broker.
    enum Partitions: Sendable, Equatable {
        case all
        case some(Set<Int32>)

        func contains(_ partition: Int32) -> Bool {
            switch self {
            case .all: true
            case .some(let partitions): partitions.contains(partition)
            }
        }
    }

    /// Kafka's `ThrottledReplicaListValidator` over the parsed list: every element is empty or
    /// `[0-9]+:[0-9]+`, or the whole list is the literal `*`.
    static func isValid(_ elements: [String]) -> Bool {
        if elements.joined().trimmingJavaWhitespace() == "*" { return true }
        return elements.allSatisfy { element in
            let trimmed = element.trimmingJavaWhitespace()
            guard !trimmed.isEmpty else { return true }
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        }
    }

    /// Kafka's validator message (`ConfigException(name, value, message)`, the value as Java prints a list).
    static func exception(name: String, elements: [String]) -> KafkaConfigException {
        KafkaConfigException(
            name: name, value: "[" + elements.joined(separator: ", ") + "]",
            reason: "\(name) must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
    }

    /// The partitions `brokerId` throttles, nil for none (an empty or invalid value: Kafka removes the throttle).
    /// Pairs whose numbers do not fit an Int32 name no partition Gregor can have, and are skipped.
    static func partitions(_ text: String, brokerId: Int32) -> Partitions? {
        let trimmed = text.trimmingJavaWhitespace()
        let elements = trimmed.isEmpty ? [] : trimmed.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !trimmed.isEmpty, isValid(elements) else { return nil }
        if trimmed == "*" { return .all }
        var partitions: Set<Int32> = []
        for element in elements {
            let parts = element.trimmingJavaWhitespace().split(separator: ":")
            guard parts.count == 2, let partition = Int32(parts[0]), let broker = Int32(parts[1]), broker == brokerId
            else { continue }
            partitions.insert(partition)
        }
        return .some(partitions)
    }
}
