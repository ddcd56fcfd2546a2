import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor delete-records`: kafka-delete-records.sh. Moves partitions' log start offsets forward: the records before
/// each offset are gone for every consumer.
struct DeleteRecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-records",
        abstract: "Delete the records of partitions down to an offset (like kafka-delete-records.sh).",
        discussion: """
            The JSON file names each partition and the offset before which its records go (-1: up to the high
            watermark):
              {"partitions": [{"topic": "orders", "partition": 0, "offset": 3}], "version": 1}
            Example:
              gregor delete-records --bootstrap-server 127.0.0.1:9092 --offset-json-file offsets.json
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Option(name: .customLong("offset-json-file"), help: "The JSON file with the offset per partition.")
    var offsetJsonFile: String

    func run() async throws {
        let text: String
        do {
            text = try String(contentsOfFile: offsetJsonFile, encoding: .utf8)
        } catch {
            throw ValidationError("Cannot read \(offsetJsonFile): \(error.localizedDescription)")
        }
        let offsets = try Self.parseOffsetJson(text)
        print("Executing records delete operation")
        let timeout = Duration.milliseconds(bootstrap.requestTimeoutMs)
        let outcomes = try await withClient(bootstrap) { client in await client.deleteRecords(offsets, timeout: timeout) }
        print("Records delete operation completed:")
        for outcome in outcomes {
            switch outcome.lowWatermark {
            case .success(let low): print("partition: \(outcome.topicPartition)\tlow_watermark: \(low)")
            case .failure(let error): print("partition: \(outcome.topicPartition)\terror: \(error)")
            }
        }
    }

    /// Kafka's `parseOffsetJsonStringWithoutDedup` and its checks, with its messages: version 1 (also when absent),
    /// a `partitions` array of topic/partition/offset, no partition twice.
    static func parseOffsetJson(_ text: String) throws -> [(topicPartition: TopicPartition, offset: Int64)] {
        guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let object = json as? [String: Any] else {
            throw ValidationError("The input string is not a valid JSON")
        }
        let version = object["version"].map { ($0 as? NSNumber)?.intValue ?? -1 } ?? 1
        guard version == 1 else { throw ValidationError("Not supported version field value \(object["version"] ?? "")") }
        guard let partitions = object["partitions"] as? [Any] else { throw ValidationError("Missing partitions field") }
        var offsets: [(topicPartition: TopicPartition, offset: Int64)] = []
        for entry in partitions {
            guard let entry = entry as? [String: Any], let topic = entry["topic"] as? String,
                let partition = (entry["partition"] as? NSNumber).flatMap({ Int32(exactly: $0.doubleValue) }),
                let offset = (entry["offset"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) })
            else {
                throw ValidationError("Each partition needs \"topic\" (a string), \"partition\" and \"offset\" (integers): \(entry)")
            }
            offsets.append((TopicPartition(topic: topic, partition: partition), offset))
        }
        let counts = Dictionary(offsets.map { ($0.topicPartition, 1) }, uniquingKeysWith: +)
        let duplicates = offsets.map(\.topicPartition).filter { counts[$0, default: 0] > 1 }
        if !duplicates.isEmpty {
            var seen = Set<TopicPartition>()
            let names = duplicates.filter { seen.insert($0).inserted }.map(\.description)
            throw ValidationError("Offset json file contains duplicate topic partitions: \(names.joined(separator: ","))")
        }
        return offsets
    }
}
