import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor topics --elect-leaders`: kafka-leader-election.sh's options and output.
extension TopicsCommand {
    enum ElectionTypeOption: String, ExpressibleByArgument, CaseIterable {
        case preferred, unclean

        var wireValue: Int8 { self == .preferred ? 0 : 1 }
        var kafkaName: String { rawValue.uppercased() }
    }

    func validateElection() throws {
        guard electLeaders else {
            if electionType != nil || partition != nil || allTopicPartitions || pathToJsonFile != nil {
                throw ValidationError("--election-type, --partition, --all-topic-partitions and --path-to-json-file are only valid with --elect-leaders")
            }
            return
        }
        guard electionType != nil else { throw ValidationError("Missing required option(s): [election-type]") }
        let sources = [topic != nil, allTopicPartitions, pathToJsonFile != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("One and only one of the following options is required: all-topic-partitions, topic, path-to-json-file")
        }
        if topic != nil, partition == nil { throw ValidationError("Missing required option(s): [partition]") }
        if topic == nil, partition != nil { throw ValidationError("--partition is only valid with --topic") }
    }

    /// Prints Kafka's three groups of results; throws when any partition could not be elected.
    func electLeaders(_ client: KafkaClusterClient) async throws {
        guard let electionType else { return }
        let partitions: [TopicPartition]?
        if let topic, let partition {
            partitions = [TopicPartition(topic, partition)]
        } else if let pathToJsonFile {
            partitions = try Self.partitions(fromJsonFile: pathToJsonFile)
        } else {
            partitions = nil
        }
        let results = try await client.electLeaders(partitions, electionType: electionType.wireValue)
            .sorted { $0.partition < $1.partition }
        let succeeded = results.filter { $0.errorCode == .noError }
        let noop = results.filter { $0.errorCode == .electionNotNeeded }
        let failed = results.filter { $0.errorCode != .noError && $0.errorCode != .electionNotNeeded }
        if !succeeded.isEmpty {
            print("Successfully completed leader election (\(electionType.kafkaName)) for partitions \(succeeded.map(\.partition.description).joined(separator: ", "))")
        }
        if !noop.isEmpty {
            print("Valid replica already elected for partitions \(noop.map(\.partition.description).joined(separator: ", "))")
        }
        guard failed.isEmpty else {
            for result in failed {
                print("Error completing leader election (\(electionType.kafkaName)) for partition: \(result.partition): \(result.errorCode)\(result.errorMessage.map { ": \($0)" } ?? "")")
            }
            throw CommandFailure("\(failed.count) replica(s) could not be elected")
        }
    }

    /// kafka-leader-election.sh's JSON: {"partitions": [{"topic": "t", "partition": 0}, ...]}.
    static func partitions(fromJsonFile path: String) throws -> [TopicPartition] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("Cannot read \(path): \(error.localizedDescription)")
        }
        struct File: Decodable {
            struct Entry: Decodable {
                var topic: String
                var partition: Int32
            }
            var partitions: [Entry]
        }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            guard !file.partitions.isEmpty else { throw CommandFailure("\(path) lists no partitions") }
            let partitions = file.partitions.map { TopicPartition($0.topic, $0.partition) }
            guard Set(partitions).count == partitions.count else {
                throw CommandFailure("Replica election data contains duplicate partitions")
            }
            return partitions
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("\(path) is not kafka-leader-election.sh's JSON ({\"partitions\": [{\"topic\": ..., \"partition\": ...}]}): \(error)")
        }
    }
}
