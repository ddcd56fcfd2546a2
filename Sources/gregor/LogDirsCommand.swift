import ArgumentParser
import Coordination
import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor log-dirs --describe`: kafka-log-dirs.sh. Each broker's log dirs and the size and lag of the partitions in
/// them, as the same JSON.
struct LogDirsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-dirs",
        abstract: "Describe the brokers' log directories (like kafka-log-dirs.sh).",
        discussion: """
            Example:
              gregor log-dirs --bootstrap-server 127.0.0.1:9092 --describe --broker-list 1,2 --topic-list orders
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Flag(help: "Describe the log directories of the brokers.") var describe = false
    @Option(name: .customLong("broker-list"), help: "Brokers to query, as 0,1,2 (default: every broker).")
    var brokerList: String?
    @Option(name: .customLong("topic-list"), help: "Topics to show, as t1,t2 (default: every topic).")
    var topicList = ""

    func validate() throws {
        guard describe else { throw ValidationError("Missing required argument \"[describe]\"") }
        if let brokerList, Self.brokerIds(brokerList) == nil {
            throw ValidationError("--broker-list: expected broker ids such as 0,1,2, got \(brokerList)")
        }
    }

    func run() async throws {
        let topics = Set(topicList.split(separator: ",").map(String.init))
        let described = try await withClient(bootstrap) { client in
            let ids: [Int32]
            if let list = brokerList.flatMap(Self.brokerIds) {
                ids = list
            } else {
                ids = try await client.metadata(topics: []).brokers.map(\.id).sorted()
            }
            print("Querying brokers for log directories information")
            var result: [BrokerLogDirs] = []
            for id in ids { result.append(try await client.describeLogDirs(brokerId: id)) }
            return (ids, result)
        }
        print("Received log directory information from brokers \(described.0.map(String.init).joined(separator: ","))")
        print(Self.json(described.1, topics: topics))
    }

    static func brokerIds(_ list: String) -> [Int32]? {
        let parts = list.split(separator: ",")
        let ids = parts.compactMap { Int32($0) }
        return ids.count == parts.count ? ids : nil
    }

    /// kafka-log-dirs.sh's JSON, keys in its order; a directory's error is the name of Kafka's exception class.
    static func json(_ brokers: [BrokerLogDirs], topics: Set<String>) -> String {
        let brokerEntries = brokers.map { broker in
            let dirs = broker.logDirs.map { dir in
                let partitions = dir.replicas.filter { topics.isEmpty || topics.contains($0.topicPartition.topic) }.map {
                    "{\"partition\":\(quoted($0.topicPartition.description)),\"size\":\($0.sizeInBytes),\"offsetLag\":\($0.offsetLag),\"isFuture\":\($0.isFuture)}"
                }
                let error = dir.errorCode == .noError ? "null" : quoted(exceptionName(dir.errorCode))
                return "{\"logDir\":\(quoted(dir.path)),\"error\":\(error),\"partitions\":[\(partitions.joined(separator: ","))]}"
            }
            return "{\"broker\":\(broker.brokerId),\"logDirs\":[\(dirs.joined(separator: ","))]}"
        }
        return "{\"version\":1,\"brokers\":[\(brokerEntries.joined(separator: ","))]}"
    }

    private static func exceptionName(_ code: ErrorCode) -> String {
        switch code {
        case .kafkaStorageError: "org.apache.kafka.common.errors.KafkaStorageException"
        case .clusterAuthorizationFailed: "org.apache.kafka.common.errors.ClusterAuthorizationException"
        default: code.description
        }
    }

    private static func quoted(_ text: String) -> String { OrderedJSON.quoted(text) }
}
