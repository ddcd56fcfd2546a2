import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol

extension GroupsCommand {
    func describeGroups(_ client: KafkaClusterClient, _ groups: [String]) async throws {
        for groupId in groups {
            let description = try await client.describeGroup(groupId)
            let committed = try await client.committedOffsets(group: groupId)
            if description.state == "Dead" && committed.isEmpty {
                printError("Error: Consumer group '\(groupId)' does not exist.")
                continue
            }
            if state {
                print()
                print(Table.render([
                    ["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"],
                    [groupId, "(\(description.coordinator))", description.assignmentStrategy, description.state,
                     String(description.members.count)],
                ]))
                continue
            }
            if description.members.isEmpty && ["Empty", "Dead"].contains(description.state) {
                printError("\nConsumer group '\(groupId)' has no active members.")
            }
            if members {
                var rows = [["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"] + (verbose ? ["ASSIGNMENT"] : [])]
                for member in description.members {
                    let count = member.assignment.values.reduce(0) { $0 + $1.count }
                    let assignment = member.assignment.keys.sorted().map { "\($0)(\(member.assignment[$0]!.sorted().map(String.init).joined(separator: ",")))" }
                    rows.append([groupId, member.memberId, member.host, member.clientId, String(count)]
                        + (verbose ? [assignment.isEmpty ? "-" : assignment.joined(separator: ", ")] : []))
                }
                print()
                print(Table.render(rows))
                continue
            }
            try await printOffsets(client, groupId, description, committed)
        }
    }

    private func printOffsets(
        _ client: KafkaClusterClient, _ groupId: String, _ description: GroupDescription,
        _ committed: [String: [Int32: CommittedOffset]]
    ) async throws {
        var owners: [String: [Int32: GroupDescription.Member]] = [:]
        for member in description.members {
            for (topic, partitions) in member.assignment { for partition in partitions { owners[topic, default: [:]][partition] = member } }
        }
        var rows = [["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]]
        let topics = Set(committed.keys).union(owners.keys).sorted()
        let partitionsOf = { (topic: String) in Set((committed[topic] ?? [:]).keys).union((owners[topic] ?? [:]).keys).sorted() }
        let ends = await client.latestOffsets(Set(topics.flatMap { topic in partitionsOf(topic).map { TopicPartition(topic, $0) } }))
        for topic in topics {
            for partition in partitionsOf(topic) {
                let end = ends[TopicPartition(topic, partition)]
                let current = committed[topic]?[partition]?.offset
                let lag = current.flatMap { current in end.map { String(GroupLag.lag(committed: current, end: $0)) } } ?? "-"
                let owner = owners[topic]?[partition]
                rows.append([
                    groupId, topic, String(partition), current.map(String.init) ?? "-", end.map(String.init) ?? "-", lag,
                    owner?.memberId ?? "-", owner?.host ?? "-", owner?.clientId ?? "-",
                ])
            }
        }
        print()
        print(Table.render(rows))
    }

    func deleteGroups(_ client: KafkaClusterClient, _ groups: [String]) async throws {
        var failures: [(String, ErrorCode)] = []
        for groupId in groups {
            let error = try await client.deleteGroup(groupId)
            if error != .noError { failures.append((groupId, error)) }
        }
        let deleted = groups.filter { id in !failures.contains { $0.0 == id } }
        if !deleted.isEmpty {
            print("Deletion of requested consumer groups (\(deleted.map { "'\($0)'" }.joined(separator: ", "))) was successful.")
        }
        if !failures.isEmpty {
            throw CommandFailure("Deletion of some consumer groups failed:\n"
                + failures.map { "* Group '\($0.0)' could not be deleted due to: \($0.1)" }.joined(separator: "\n"))
        }
    }

    func deleteGroupOffsets(_ client: KafkaClusterClient, _ groupId: String) async throws {
        var rows = [["TOPIC", "PARTITION", "STATUS"]]
        for (topicName, asked) in try Self.parseTopics(topic) {
            let partitions = try await partitionsOf(client, topicName, asked)
            switch try await client.deleteOffsets(group: groupId, topic: topicName, partitions: partitions) {
            case .failure(let error):
                throw CommandFailure("Error: Encountered some issues while deleting offsets in group '\(groupId)': \(error)")
            case .success(let errors):
                for partition in partitions.sorted() {
                    let error = errors[partition] ?? .noError
                    rows.append([topicName, String(partition), error == .noError ? "Successful" : "Error: \(error)"])
                }
            }
        }
        print()
        print(Table.render(rows))
    }

    private func partitionsOf(_ client: KafkaClusterClient, _ topic: String, _ asked: [Int32]?) async throws -> [Int32] {
        if let asked { return asked }
        return try await client.metadata(topics: [topic]).topic(topic)?.partitions.map(\.partition) ?? []
    }

    func reset(_ client: KafkaClusterClient, _ groupId: String) async throws {
        let description = try await client.describeGroup(groupId)
        guard ["Empty", "Dead"].contains(description.state) else {
            throw CommandFailure(
                "Error: Assignments can only be reset if the group '\(groupId)' is inactive, but the current state is \(description.state).")
        }
        let committed = try await client.committedOffsets(group: groupId)
        var targets: [(String, Int32)] = []
        if allTopics {
            for (topic, partitions) in committed { for partition in partitions.keys { targets.append((topic, partition)) } }
        } else {
            for (topicName, asked) in try Self.parseTopics(topic) {
                let partitions = try await partitionsOf(client, topicName, asked)
                if partitions.isEmpty { throw CommandFailure("Error: topic '\(topicName)' does not exist") }
                for partition in partitions { targets.append((topicName, partition)) }
            }
        }
        var newOffsets: [String: [Int32: Int64]] = [:]
        for (topicName, partition) in targets.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            let earliest = try await client.listOffsets(topic: topicName, partition: partition, timestamp: -2).offset
            let latest = try await client.listOffsets(topic: topicName, partition: partition, timestamp: -1).offset
            let wanted: Int64
            if toEarliest {
                wanted = earliest
            } else if toLatest {
                wanted = latest
            } else if let toOffset {
                wanted = toOffset
            } else if let shiftBy {
                wanted = (committed[topicName]?[partition]?.offset ?? latest) &+ shiftBy
            } else {
                let time = Self.parseDatetime(toDatetime ?? "") ?? 0
                let found = try await client.listOffsets(topic: topicName, partition: partition, timestamp: time).offset
                wanted = found < 0 ? latest : found
            }
            // Kafka clamps the new offset into the log.
            newOffsets[topicName, default: [:]][partition] = min(max(wanted, earliest), latest)
        }
        var rows = [["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]]
        for topicName in newOffsets.keys.sorted() {
            for (partition, offset) in newOffsets[topicName]!.sorted(by: { $0.key < $1.key }) {
                rows.append([groupId, topicName, String(partition), String(offset)])
            }
        }
        if execute {
            let errors = try await client.commitOffsets(group: groupId, offsets: newOffsets)
            let failed = errors.flatMap { topic, partitions in partitions.filter { $0.value != .noError }.map { "\(topic)-\($0.key): \($0.value)" } }
            if !failed.isEmpty { throw CommandFailure("Error: committing the new offsets failed: \(failed.joined(separator: ", "))") }
        }
        print()
        print(Table.render(rows))
    }
}
