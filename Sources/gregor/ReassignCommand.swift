import ArgumentParser
import Coordination
import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor reassign`: kafka-reassign-partitions.sh's actions, options, JSON and output, over
/// AlterPartitionReassignments and ListPartitionReassignments.
struct ReassignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reassign",
        abstract: "Move partition replicas between brokers (like kafka-reassign-partitions.sh).",
        discussion: """
            Exactly one of --generate, --execute, --verify, --cancel, --list. Examples:
              gregor reassign --generate --topics-to-move-json-file topics.json --broker-list 1,2,3
              gregor reassign --execute --reassignment-json-file plan.json [--throttle 10000000]
              gregor reassign --verify --reassignment-json-file plan.json
              gregor reassign --list
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Flag(help: "Propose a reassignment of --topics-to-move-json-file's topics onto --broker-list.") var generate = false
    @Flag(help: "Start the reassignment in --reassignment-json-file.") var execute = false
    @Flag(help: "Say whether the reassignment in --reassignment-json-file is complete.") var verify = false
    @Flag(help: "Cancel the reassignments of --reassignment-json-file's partitions.") var cancel = false
    @Flag(help: "List the ongoing reassignments.") var list = false

    @Option(name: .customLong("reassignment-json-file"), help: "The reassignment: {\"version\":1,\"partitions\":[{\"topic\":..,\"partition\":..,\"replicas\":[..]}]}.")
    var reassignmentJsonFile: String?
    @Option(name: .customLong("topics-to-move-json-file"), help: "For --generate: {\"version\":1,\"topics\":[{\"topic\":..}]}.")
    var topicsToMoveJsonFile: String?
    @Option(name: .customLong("broker-list"), help: "For --generate: the brokers to place replicas on, e.g. 1,2,3.")
    var brokerList: String?
    @Flag(help: "With --execute: start even when other reassignments are running.") var additional = false
    @Option(help: "With --execute: limit the replication of the moving partitions between brokers to this many bytes/s (the brokers' leader.replication.throttled.rate and follower.replication.throttled.rate); run --verify until the reassignment completes to remove it.")
    var throttle: Int64 = -1
    @Flag(name: .customLong("preserve-throttles"), help: "With --verify: do not remove the throttles when the reassignment is complete.")
    var preserveThrottles = false

    func validate() throws {
        guard [generate, execute, verify, cancel, list].filter({ $0 }).count == 1 else {
            throw ValidationError("Command must include exactly one action: --generate, --execute, --verify, --cancel, or --list")
        }
        if generate, topicsToMoveJsonFile == nil || brokerList == nil {
            throw ValidationError("Missing required argument(s): --topics-to-move-json-file and --broker-list")
        }
        if execute || verify || cancel, reassignmentJsonFile == nil {
            throw ValidationError("Missing required argument: --reassignment-json-file")
        }
        if let brokerList { _ = try Self.brokers(brokerList) }
        if throttle != -1, !execute { throw ValidationError("Option \"[throttle]\" can only be used with option \"[execute]\"") }
        if preserveThrottles, !verify { throw ValidationError("Option \"[preserve-throttles]\" can only be used with option \"[verify]\"") }
        if throttle < -1 { throw ValidationError("--throttle must be a number of bytes per second, got \(throttle)") }
    }

    func run() async throws {
        try await reportingFailures {
            do {
                try await withClient(bootstrap) { client in
                    if generate { try await self.generate(client) }
                    if execute { try await self.execute(client) }
                    if verify { try await self.verify(client) }
                    if cancel { try await self.cancel(client) }
                    if list { try await self.list(client) }
                }
            } catch let error as KafkaClientError {
                throw CommandFailure("Error: \(error)")
            }
        }
    }

    static func brokers(_ text: String) throws -> [Int32] {
        let ids = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = ids.compactMap { Int32($0) }
        guard !ids.isEmpty, parsed.count == ids.count, parsed.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--broker-list must be comma-separated broker ids, got '\(text)'")
        }
        guard Set(parsed).count == parsed.count else { throw ValidationError("Duplicate brokers in --broker-list: \(text)") }
        return parsed
    }

    /// Each partition's replicas now, from metadata; throws for a topic or partition that does not exist.
    private func currentAssignment(_ client: KafkaClusterClient, of partitions: some Collection<TopicPartition>) async throws
        -> [TopicPartition: [Int32]]
    {
        let metadata = try await client.metadata(topics: Array(Set(partitions.map(\.topic))).sorted())
        var current: [TopicPartition: [Int32]] = [:]
        for topic in metadata.topics where topic.errorCode == .noError {
            for partition in topic.partitions { current[TopicPartition(topic.name, partition.partition)] = partition.replicas }
        }
        let missing = partitions.filter { current[$0] == nil }.sorted()
        guard missing.isEmpty else {
            throw CommandFailure("Topic or partition not found: \(missing.map(\.description).joined(separator: ","))")
        }
        return current.filter { partitions.contains($0.key) }
    }

    private func generate(_ client: KafkaClusterClient) async throws {
        let topics = try ReassignmentJSON.topics(fromFile: topicsToMoveJsonFile ?? "")
        let brokers = try Self.brokers(brokerList ?? "").sorted()
        let metadata = try await client.metadata(topics: topics)
        var current: [TopicPartition: [Int32]] = [:]
        var proposed: [TopicPartition: [Int32]] = [:]
        for topic in metadata.topics {
            guard topic.errorCode == .noError, !topic.partitions.isEmpty else {
                throw CommandFailure("Topic \(topic.name) not found")
            }
            for partition in topic.partitions { current[TopicPartition(topic.name, partition.partition)] = partition.replicas }
            let replicationFactor = topic.partitions[0].replicas.count
            let assignment: [Int32: [Int32]]
            do {
                assignment = try ReplicaAssignment.assign(
                    brokers: brokers, partitions: Int32(topic.partitions.count), replicationFactor: Int32(replicationFactor))
            } catch {
                throw CommandFailure("\(error.message)")
            }
            for (partition, replicas) in assignment { proposed[TopicPartition(topic.name, partition)] = replicas }
        }
        print("Current partition replica assignment")
        print(ReassignmentJSON.format(current))
        print("")
        print("Proposed partition reassignment configuration")
        print(ReassignmentJSON.format(proposed))
    }

    private func execute(_ client: KafkaClusterClient) async throws {
        let plan = try ReassignmentJSON.reassignments(fromFile: reassignmentJsonFile ?? "")
        let current = try await currentAssignment(client, of: plan.keys)
        let ongoing = try await client.listPartitionReassignments()
        if !additional, !ongoing.isEmpty {
            throw CommandFailure(
                "Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one.")
        }
        print("Current partition replica assignment\n")
        print(ReassignmentJSON.format(current))
        print("\nSave this to use as the --reassignment-json-file option during rollback")
        if throttle >= 0 {
            print(ReassignThrottles.youMustRunVerifyPeriodicallyMessage)
            let originals = Dictionary(
                ongoing.map { reassignment in
                    (reassignment.partition, reassignment.replicas.filter { !reassignment.addingReplicas.contains($0) })
                },
                uniquingKeysWith: { first, _ in first })
            let moves = ReassignThrottles.moves(plan: plan, current: current, ongoing: originals)
            try await ReassignThrottles.set(client, moves: moves, bytesPerSecond: throttle)
            print("The inter-broker throttle limit was set to \(throttle) B/s")
        }
        let results = try await client.alterPartitionReassignments(plan.mapValues { Optional($0) })
        let failed = results.filter { $0.value.0 != .noError }
        guard failed.isEmpty else {
            let lines = failed.keys.sorted().map { "\($0): \(failed[$0]!.1 ?? "\(failed[$0]!.0)")" }
            throw CommandFailure("Error reassigning partition(s):\n\(lines.joined(separator: "\n"))")
        }
        print("Successfully started partition reassignment\(plan.count == 1 ? "" : "s") for \(plan.keys.sorted().map(\.description).joined(separator: ","))")
    }

    private func verify(_ client: KafkaClusterClient) async throws {
        let plan = try ReassignmentJSON.reassignments(fromFile: reassignmentJsonFile ?? "")
        let ongoing = Dictionary(
            (try await client.listPartitionReassignments(Array(plan.keys))).map { ($0.partition, $0) }, uniquingKeysWith: { first, _ in first })
        let current = try await currentAssignment(client, of: plan.keys)
        print("Status of partition reassignment:")
        var done = true
        for partition in plan.keys.sorted() {
            if ongoing[partition] != nil {
                done = false
                print("Reassignment of partition \(partition) is still in progress.")
            } else if current[partition] == plan[partition] {
                print("Reassignment of partition \(partition) is complete.")
            } else {
                done = false
                print("There is no active reassignment of partition \(partition), but replica set is \(Self.list(current[partition] ?? [])) rather than \(Self.list(plan[partition]!)).")
            }
        }
        // Kafka's empty line of log-dir moves, then its throttle clearing: only when no reassignment at all is
        // under way in the cluster, since the throttles of another one may be the same configs.
        print("")
        if !preserveThrottles, ongoing.isEmpty, (try await client.listPartitionReassignments()).isEmpty {
            try await ReassignThrottles.clearAll(client, plan: plan)
        }
        if !done { throw ExitCode(1) }
    }

    private func cancel(_ client: KafkaClusterClient) async throws {
        let plan = try ReassignmentJSON.reassignments(fromFile: reassignmentJsonFile ?? "")
        let results = try await client.alterPartitionReassignments(plan.mapValues { _ in nil })
        let cancelled = results.filter { $0.value.0 == .noError }.keys.sorted()
        let notRunning = results.filter { $0.value.0 == .noReassignmentInProgress }.keys.sorted()
        let failed = results.filter { $0.value.0 != .noError && $0.value.0 != .noReassignmentInProgress }
        if !cancelled.isEmpty {
            print("Successfully cancelled partition reassignments for: \(cancelled.map(\.description).joined(separator: ","))")
        }
        if !notRunning.isEmpty {
            print("None of the specified partition reassignments are active: \(notRunning.map(\.description).joined(separator: ","))")
        }
        guard failed.isEmpty else {
            let lines = failed.keys.sorted().map { "\($0): \(failed[$0]!.1 ?? "\(failed[$0]!.0)")" }
            throw CommandFailure("Error cancelling partition reassignment(s):\n\(lines.joined(separator: "\n"))")
        }
    }

    private func list(_ client: KafkaClusterClient) async throws {
        let ongoing = try await client.listPartitionReassignments().sorted { $0.partition < $1.partition }
        guard !ongoing.isEmpty else {
            print("No partition reassignments found.")
            return
        }
        print("Current partition reassignments:")
        for reassignment in ongoing {
            print("\(reassignment.partition): replicas: \(Self.ids(reassignment.replicas)). adding: \(Self.ids(reassignment.addingReplicas)). removing: \(Self.ids(reassignment.removingReplicas)).")
        }
    }

    private static func ids(_ ids: [Int32]) -> String { ids.map(String.init).joined(separator: ",") }
    private static func list(_ ids: [Int32]) -> String { "[\(ids.map(String.init).joined(separator: ", "))]" }
}
