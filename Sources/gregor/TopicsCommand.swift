import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor topics`: create, list, describe, delete and add partitions to topics, like `kafka-topics.sh`
/// (same options, same output), over the Kafka protocol rather than ZooKeeper.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create, list, describe, delete or add partitions to topics (like kafka-topics.sh).",
        discussion: """
            Exactly one of --create, --list, --describe, --delete, --alter, --elect-leaders. Examples:
              gregor topics --create --topic orders --partitions 3 --replication-factor 2 --config retention.ms=86400000
              gregor topics --list
              gregor topics --describe --topic orders
              gregor topics --describe --under-replicated-partitions
              gregor topics --alter --topic orders --partitions 6
              gregor topics --delete --topic orders
              gregor topics --elect-leaders --election-type preferred --all-topic-partitions
              gregor topics --elect-leaders --election-type unclean --topic orders --partition 0
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Flag(help: "Create a topic (needs --topic).") var create = false
    @Flag(help: "List topic names.") var list = false
    @Flag(help: "Describe topics: partitions, leaders, replicas, in-sync replicas, config overrides.") var describe = false
    @Flag(help: "Delete a topic (needs --topic).") var delete = false
    @Flag(help: "Raise a topic's partition count (needs --topic and --partitions).") var alter = false
    @Flag(name: .customLong("elect-leaders"), help: "Elect leaders, like kafka-leader-election.sh (needs --election-type).")
    var electLeaders = false

    @Option(help: "The topic (an exact name).") var topic: String?
    @Option(help: "Partition count: for --create (default: the broker's num.partitions) or the new total for --alter.")
    var partitions: Int32?
    @Option(name: .customLong("replication-factor"), help: "For --create (default: the broker's default.replication.factor).")
    var replicationFactor: Int16?
    @Option(name: .customLong("config"), help: "A topic config override key=value for --create; repeatable.")
    var configs: [String] = []
    @Flag(name: .customLong("if-not-exists"), help: "With --create: succeed if the topic already exists.")
    var ifNotExists = false
    @Flag(name: .customLong("if-exists"), help: "With --alter, --delete or --describe: do nothing if the topic does not exist.")
    var ifExists = false
    @Flag(name: .customLong("exclude-internal"), help: "With --list or --describe: leave out internal topics.")
    var excludeInternal = false
    @Option(name: .customLong("election-type"), help: "With --elect-leaders: preferred or unclean.")
    var electionType: ElectionTypeOption?
    @Option(help: "With --elect-leaders and --topic: the partition.") var partition: Int32?
    @Flag(name: .customLong("all-topic-partitions"), help: "With --elect-leaders: every partition.")
    var allTopicPartitions = false
    @Option(name: .customLong("path-to-json-file"), help: "With --elect-leaders: {\"partitions\": [{\"topic\": t, \"partition\": p}]}.")
    var pathToJsonFile: String?
    /// kafka-topics.sh's partition filters for --describe, one at a time.
    @Flag(exclusivity: .exclusive) var report: TopicsOutput.PartitionReport?

    func validate() throws {
        let actions = [create, list, describe, delete, alter, electLeaders].filter { $0 }.count
        guard actions == 1 else {
            throw ValidationError("exactly one of --create, --list, --describe, --delete, --alter, --elect-leaders is required")
        }
        try validateElection()
        if create || delete || alter, topic == nil { throw ValidationError("--topic is required") }
        if alter, partitions == nil { throw ValidationError("--alter needs --partitions") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        if let replicationFactor, replicationFactor < 1 { throw ValidationError("--replication-factor must be at least 1") }
        if !configs.isEmpty, !create { throw ValidationError("--config is only valid with --create") }
        if let report, !describe { throw ValidationError("--\(report.option) is only valid with --describe") }
        _ = try parseKeyValues(configs, option: "--config")
    }

    func run() async throws {
        try await reportingFailures {
            do {
                try await withClient(bootstrap) { client in
                    if create { try await createTopic(client) }
                    if list { try await listTopics(client) }
                    if describe { try await describeTopics(client) }
                    if delete { try await deleteTopic(client) }
                    if alter { try await alterTopic(client) }
                    if electLeaders { try await self.electLeaders(client) }
                }
            } catch let error as KafkaClientError {
                throw CommandFailure("Error while executing topic command : \(error)")
            }
        }
    }

    private func createTopic(_ client: KafkaClusterClient) async throws {
        let name = topic ?? ""
        let overrides = try parseKeyValues(configs, option: "--config")
        let newTopic = NewTopic(
            name: name, numPartitions: partitions ?? -1, replicationFactor: replicationFactor ?? -1,
            configs: Dictionary(overrides.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
        let result = try await client.createTopics([newTopic])
        for result in result {
            if result.errorCode == .topicAlreadyExists, ifNotExists { continue }
            if let error = result.error { throw error }
            print("Created topic \(result.name).")
        }
    }

    private func listTopics(_ client: KafkaClusterClient) async throws {
        let metadata = try await client.metadata(topics: nil)
        for topic in metadata.topics where !(excludeInternal && topic.isInternal) {
            print(topic.name)
        }
    }

    private func describeTopics(_ client: KafkaClusterClient) async throws {
        let metadata = try await client.metadata(topics: topic.map { [$0] })
        let topics = metadata.topics.filter { !(excludeInternal && $0.isInternal) }
        if let topic, topics.first?.errorCode == .unknownTopicOrPartition || topics.isEmpty {
            if ifExists { return }
            throw CommandFailure("Error while executing topic command : Topic '\(topic)' does not exist as expected")
        }
        let liveBrokers = Set(metadata.brokers.map(\.id))
        for topic in topics {
            if let error = TopicOperationResult(name: topic.name, errorCode: topic.errorCode).error { throw error }
            let configs = await topicConfigs(client, topic: topic.name)
            // As kafka-topics.sh: with a partition filter, only the partitions it selects, without topic lines.
            if report == nil { print(TopicsOutput.describe(topic, configs: configs.filter { !$0.isDefault })) }
            let minIsr = configs.first { $0.name == "min.insync.replicas" }?.value.flatMap { Int($0) }
            for partition in topic.partitions
            where report?.selects(partition, minInsyncReplicas: minIsr, liveBrokers: liveBrokers) ?? true {
                print(TopicsOutput.describe(partition, topic: topic.name))
            }
        }
    }

    /// The topic's configs (defaults included); empty if the broker cannot say.
    private func topicConfigs(_ client: KafkaClusterClient, topic: String) async -> [ConfigEntry] {
        guard let result = try? await client.describeConfigs([.topic(topic)]).first, result.error == nil else { return [] }
        return result.entries
    }

    private func deleteTopic(_ client: KafkaClusterClient) async throws {
        let name = topic ?? ""
        for result in try await client.deleteTopics([name]) {
            if result.errorCode == .unknownTopicOrPartition {
                if ifExists { continue }
                throw CommandFailure("Error while executing topic command : Topic '\(name)' does not exist as expected")
            }
            if let error = result.error { throw error }
        }
    }

    private func alterTopic(_ client: KafkaClusterClient) async throws {
        let name = topic ?? ""
        for result in try await client.createPartitions([name: partitions ?? 0]) {
            if result.errorCode == .unknownTopicOrPartition {
                if ifExists { continue }
                throw CommandFailure("Error while executing topic command : Topic '\(name)' does not exist as expected")
            }
            if let error = result.error { throw error }
        }
    }
}

/// kafka-topics.sh's `--describe` lines (Kafka 2.8 `TopicCommand`), tab-separated.
enum TopicsOutput {
    /// kafka-topics.sh's partition filters for `--describe` (`TopicCommand.PartitionDescription`).
    enum PartitionReport: EnumerableFlag {
        case underReplicated, underMinIsr, atMinIsr, unavailable

        static func name(for value: PartitionReport) -> NameSpecification { .customLong(value.option) }

        static func help(for value: PartitionReport) -> ArgumentHelp? {
            switch value {
            case .underReplicated: "With --describe: only partitions whose in-sync replicas are fewer than their replicas."
            case .underMinIsr: "With --describe: only partitions with fewer in-sync replicas than min.insync.replicas, or no leader."
            case .atMinIsr: "With --describe: only partitions with exactly min.insync.replicas in-sync replicas."
            case .unavailable: "With --describe: only partitions without a leader, or whose leader is not a live broker."
            }
        }

        var option: String {
            switch self {
            case .underReplicated: "under-replicated-partitions"
            case .underMinIsr: "under-min-isr-partitions"
            case .atMinIsr: "at-min-isr-partitions"
            case .unavailable: "unavailable-partitions"
            }
        }

        /// Whether `partition` is one this report lists; `minInsyncReplicas` is the topic's (nil when unknown).
        func selects(_ partition: PartitionMetadata, minInsyncReplicas: Int?, liveBrokers: Set<Int32>) -> Bool {
            switch self {
            case .underReplicated:
                return partition.isUnderReplicated
            case .underMinIsr:
                guard partition.leader != nil else { return true }
                return minInsyncReplicas.map { partition.isr.count < $0 } ?? false
            case .atMinIsr:
                return minInsyncReplicas == partition.isr.count
            case .unavailable:
                return partition.isOffline(liveBrokers: liveBrokers)
            }
        }
    }

    static func describe(_ topic: TopicMetadata, configs: [ConfigEntry]) -> String {
        var line = "Topic: \(topic.name)"
        if topic.topicId != .zero { line += "\tTopicId: \(base64(topic.topicId))" }
        line += "\tPartitionCount: \(topic.partitions.count)"
        line += "\tReplicationFactor: \(topic.partitions.first?.replicas.count ?? 0)"
        line += "\tConfigs: " + configs.map { "\($0.name)=\($0.value ?? "")" }.joined(separator: ",")
        return line
    }

    static func describe(_ partition: PartitionMetadata, topic: String) -> String {
        var line = "\tTopic: \(topic)\tPartition: \(partition.partition)"
        line += "\tLeader: \(partition.leader.map(String.init) ?? "none")"
        line += "\tReplicas: " + partition.replicas.map(String.init).joined(separator: ",")
        line += "\tIsr: " + partition.isr.map(String.init).joined(separator: ",")
        if !partition.offlineReplicas.isEmpty {
            line += "\tOffline: " + partition.offlineReplicas.map(String.init).joined(separator: ",")
        }
        return line
    }

    /// Kafka's `Uuid.toString()`: URL-safe base64 of the 16 bytes, without padding.
    static func base64(_ id: KafkaUUID) -> String {
        var bytes: [UInt8] = []
        for word in [id.mostSignificantBits, id.leastSignificantBits] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
