import KafkaClient
import KafkaProtocol

/// kafka-reassign-partitions.sh 2.8's inter-broker throttle: `--execute --throttle N` sets
/// `leader.replication.throttled.rate` and `follower.replication.throttled.rate` to N on every broker a moving
/// partition has now or gets, and on each topic `leader.replication.throttled.replicas` (the current replicas,
/// which send) and `follower.replication.throttled.replicas` (the added replicas, which fetch); `--verify` clears
/// them once the reassignment is complete.
enum ReassignThrottles {
    static let leaderRate = "leader.replication.throttled.rate"
    static let followerRate = "follower.replication.throttled.rate"
    static let leaderReplicas = "leader.replication.throttled.replicas"
    static let followerReplicas = "follower.replication.throttled.replicas"
    static let youMustRunVerifyPeriodicallyMessage =
        "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed."

    /// Kafka's `PartitionMove`: the replicas a partition has (before any reassignment under way) and those it gains.
    struct PartitionMove: Equatable {
        var sources: Set<Int32>
        var destinations: Set<Int32>
    }

    /// Kafka's `calculateProposedMoveMap`; `ongoing` maps a partition under reassignment to its original replicas.
    static func moves(
        plan: [TopicPartition: [Int32]], current: [TopicPartition: [Int32]], ongoing: [TopicPartition: [Int32]]
    ) -> [TopicPartition: PartitionMove] {
        var moves: [TopicPartition: PartitionMove] = [:]
        for (partition, target) in plan {
            let sources = Set(ongoing[partition] ?? current[partition] ?? [])
            moves[partition] = PartitionMove(sources: sources, destinations: Set(target).subtracting(sources))
        }
        return moves
    }

    /// Kafka's `calculateLeaderThrottles`/`calculateFollowerThrottles`: per topic, `partition:broker` of the sources
    /// (or destinations), sorted as strings as Kafka's `TreeSet` sorts them.
    static func topicThrottles(_ moves: [TopicPartition: PartitionMove], leader: Bool) -> [String: String] {
        var components: [String: Set<String>] = [:]
        for (partition, move) in moves {
            let brokers = leader ? move.sources : move.destinations
            components[partition.topic, default: []].formUnion(brokers.map { "\(partition.partition):\($0)" })
        }
        return components.mapValues { $0.sorted().joined(separator: ",") }
    }

    /// Kafka's `calculateReassigningBrokers`.
    static func reassigningBrokers(_ moves: [TopicPartition: PartitionMove]) -> [Int32] {
        moves.values.reduce(into: Set<Int32>()) { $0.formUnion($1.sources.union($1.destinations)) }.sorted()
    }

    /// Kafka's `modifyReassignmentThrottle`: the topic throttles, then the brokers' rates.
    static func set(_ client: KafkaClusterClient, moves: [TopicPartition: PartitionMove], bytesPerSecond: Int64) async throws {
        let leader = topicThrottles(moves, leader: true)
        let follower = topicThrottles(moves, leader: false)
        for topic in Set(leader.keys).union(follower.keys).sorted() {
            var alterations: [ConfigAlteration] = []
            if let value = leader[topic] { alterations.append(.set(leaderReplicas, value)) }
            if let value = follower[topic] { alterations.append(.set(followerReplicas, value)) }
            try await alter(client, ConfigResource(type: .topic, name: topic), alterations)
        }
        for broker in reassigningBrokers(moves) {
            try await alter(client, ConfigResource(type: .broker, name: String(broker)), [
                .set(leaderRate, String(bytesPerSecond)), .set(followerRate, String(bytesPerSecond)),
            ])
        }
    }

    /// Kafka's `clearAllThrottles`: the rates on every live broker and every target replica, the replica lists on
    /// every topic of the plan. (Kafka also clears `replica.alter.log.dirs.io.max.bytes.per.second`; Gregor does
    /// not move replicas between log dirs and has no such config.)
    static func clearAll(_ client: KafkaClusterClient, plan: [TopicPartition: [Int32]]) async throws {
        let live = try await client.metadata(topics: []).brokers.map(\.id)
        let brokers = Set(live).union(plan.values.joined()).sorted()
        print("Clearing broker-level throttles on broker\(brokers.count == 1 ? "" : "s") \(brokers.map(String.init).joined(separator: ","))")
        for broker in brokers {
            try await alter(client, ConfigResource(type: .broker, name: String(broker)), [.delete(leaderRate), .delete(followerRate)])
        }
        let topics = Set(plan.keys.map(\.topic)).sorted()
        print("Clearing topic-level throttles on topic\(topics.count == 1 ? "" : "s") \(topics.joined(separator: ","))")
        for topic in topics {
            try await alter(client, ConfigResource(type: .topic, name: topic), [.delete(leaderReplicas), .delete(followerReplicas)])
        }
    }

    private static func alter(_ client: KafkaClusterClient, _ resource: ConfigResource, _ alterations: [ConfigAlteration]) async throws {
        let result = try await client.incrementalAlterConfigs(resource, alterations)
        if let error = result.error { throw error }
    }
}
