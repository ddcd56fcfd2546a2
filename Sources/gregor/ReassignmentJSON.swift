import Coordination
import Foundation
import KafkaProtocol

/// kafka-reassign-partitions.sh's files: `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],
/// "log_dirs":["any","any"]}]}` for reassignments, `{"version":1,"topics":[{"topic":"t"}]}` for --generate.
enum ReassignmentJSON {
    struct Entry: Codable {
        var topic: String
        var partition: Int32
        var replicas: [Int32]
        var log_dirs: [String]?
    }

    private struct File: Decodable {
        var version: Int?
        var partitions: [Entry]
    }

    private struct TopicsFile: Decodable {
        struct Topic: Decodable { var topic: String }
        var version: Int?
        var topics: [Topic]
    }

    /// The reassignments of a --reassignment-json-file; Kafka's checks: at least one partition, none twice, no
    /// replica twice, and only the log dir "any" (Gregor moves replicas between brokers, not between their dirs).
    static func reassignments(fromFile path: String) throws -> [TopicPartition: [Int32]] {
        let file: File = try decode(File.self, path: path)
        guard !file.partitions.isEmpty else { throw CommandFailure("Partition reassignment list cannot be empty") }
        var result: [TopicPartition: [Int32]] = [:]
        for entry in file.partitions {
            let partition = TopicPartition(entry.topic, entry.partition)
            guard result[partition] == nil else {
                throw CommandFailure("Partition reassignment contains duplicate topic partitions: \(partition)")
            }
            guard !entry.replicas.isEmpty else { throw CommandFailure("Partition replica list cannot be empty") }
            guard Set(entry.replicas).count == entry.replicas.count else {
                throw CommandFailure("Partition replica lists may not contain duplicate entries: \(partition) contains \(entry.replicas)")
            }
            if let dirs = entry.log_dirs, dirs.contains(where: { $0 != "any" }) {
                throw CommandFailure("Log directories other than \"any\" are not supported: \(partition) asks for \(dirs)")
            }
            result[partition] = entry.replicas
        }
        return result
    }

    static func topics(fromFile path: String) throws -> [String] {
        let file: TopicsFile = try decode(TopicsFile.self, path: path)
        guard !file.topics.isEmpty else { throw CommandFailure("List of topics to reassign contains no topic") }
        return file.topics.map(\.topic)
    }

    /// Kafka's `formatAsReassignmentJson`: partitions sorted, `log_dirs` all "any".
    static func format(_ assignment: [TopicPartition: [Int32]]) -> String {
        let entries = assignment.keys.sorted().map { partition in
            let replicas = assignment[partition]!
            let dirs = replicas.map { _ in "\"any\"" }.joined(separator: ",")
            return "{\"topic\":\(quoted(partition.topic)),\"partition\":\(partition.partition),\"replicas\":[\(replicas.map(String.init).joined(separator: ","))],\"log_dirs\":[\(dirs)]}"
        }
        return "{\"version\":1,\"partitions\":[\(entries.joined(separator: ","))]}"
    }

    private static func quoted(_ text: String) -> String { OrderedJSON.quoted(text) }

    private static func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("Cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw CommandFailure("\(path) is not kafka-reassign-partitions.sh's JSON: \(error)")
        }
    }
}
