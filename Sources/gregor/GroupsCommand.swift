import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor groups`: list, describe, reset and delete consumer groups, like `kafka-consumer-groups.sh`.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "List, describe, reset offsets of, and delete consumer groups (like kafka-consumer-groups.sh).")

    @OptionGroup var bootstrap: BootstrapOptions

    @Flag(help: "List all consumer groups.") var list = false
    @Flag(help: "Describe groups: offsets and lag (default), --members or --state.") var describe = false
    @Flag(help: "Delete groups (only empty ones).") var delete = false
    @Flag(name: .customLong("delete-offsets"), help: "Delete a group's offsets of --topic.") var deleteOffsets = false
    @Flag(name: .customLong("reset-offsets"), help: "Reset offsets of an inactive group.") var resetOffsets = false

    @Option(help: "The group (repeatable).") var group: [String] = []
    @Flag(name: .customLong("all-groups"), help: "Every group.") var allGroups = false
    @Option(help: "A topic, optionally with partitions: topic:0,1 (repeatable).") var topic: [String] = []
    @Flag(name: .customLong("all-topics"), help: "Every topic the group has offsets for.") var allTopics = false

    @Flag(help: "With --describe: the members.") var members = false
    @Flag(help: "With --describe: the group's state; with --list: the state column.") var state = false
    @Flag(help: "With --describe: offsets and lag (the default).") var offsets = false
    @Flag(help: "With --describe --members: each member's assignment.") var verbose = false

    @Flag(name: .customLong("to-earliest")) var toEarliest = false
    @Flag(name: .customLong("to-latest")) var toLatest = false
    @Option(name: .customLong("to-offset"), parsing: .unconditional) var toOffset: Int64?
    @Option(name: .customLong("to-datetime"), help: "YYYY-MM-DDTHH:mm:SS.sss, optionally with Z or +hh:mm.")
    var toDatetime: String?
    @Option(name: .customLong("shift-by"), parsing: .unconditional) var shiftBy: Int64?
    @Flag(name: .customLong("dry-run"), help: "Show the new offsets (the default).") var dryRun = false
    @Flag(help: "Commit the new offsets.") var execute = false

    func validate() throws {
        let actions = [list, describe, delete, deleteOffsets, resetOffsets].filter { $0 }.count
        guard actions == 1 else {
            throw ValidationError("exactly one of --list, --describe, --delete, --delete-offsets, --reset-offsets is needed")
        }
        if (describe || delete) && group.isEmpty && !allGroups { throw ValidationError("--group or --all-groups is needed") }
        if (deleteOffsets || resetOffsets) && group.count != 1 { throw ValidationError("exactly one --group is needed") }
        if deleteOffsets && topic.isEmpty { throw ValidationError("--topic is needed") }
        if resetOffsets {
            let specs = [toEarliest, toLatest, toOffset != nil, toDatetime != nil, shiftBy != nil].filter { $0 }.count
            guard specs == 1 else {
                throw ValidationError("exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by is needed")
            }
            guard topic.isEmpty != !allTopics else { throw ValidationError("one of --topic or --all-topics is needed") }
            if dryRun && execute { throw ValidationError("--dry-run and --execute exclude each other") }
            if let toDatetime, GroupsCommand.parseDatetime(toDatetime) == nil {
                throw ValidationError("--to-datetime '\(toDatetime)' is not YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]")
            }
        }
    }

    func run() async throws {
        try await reportingFailures {
            do {
                try await withClient(bootstrap) { client in
                    if list { return try await printList(client) }
                    let groups = allGroups ? try await client.listGroups().map(\.groupId) : group
                    if describe { return try await describeGroups(client, groups) }
                    if delete { return try await deleteGroups(client, groups) }
                    if deleteOffsets { return try await deleteGroupOffsets(client, group[0]) }
                    try await reset(client, group[0])
                }
            } catch let error as KafkaClientError {
                throw CommandFailure("Error: \(error)")
            }
        }
    }

    private func printList(_ client: KafkaClusterClient) async throws {
        let groups = try await client.listGroups()
        if state {
            print(Table.render([["GROUP", "STATE"]] + groups.map { [$0.groupId, $0.state] }))
        } else {
            for group in groups { print(group.groupId) }
        }
    }

    /// Partitions named by --topic (all of a topic's when none are given).
    static func parseTopics(_ specs: [String]) throws -> [(topic: String, partitions: [Int32]?)] {
        try specs.map { spec in
            guard let colon = spec.firstIndex(of: ":") else { return (spec, nil) }
            let partitions = try spec[spec.index(after: colon)...].split(separator: ",").map { text -> Int32 in
                guard let partition = Int32(text), partition >= 0 else { throw ValidationError("bad partition '\(text)' in --topic \(spec)") }
                return partition
            }
            return (String(spec[..<colon]), partitions)
        }
    }

    static func parseDatetime(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ssXXX", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        }
        return nil
    }
}
