import Foundation
import GregorTestSupport
import KafkaClient
import KafkaProtocol
import Testing

/// KafkaClient and the `gregor` CLI against real `gregor-server` processes: topic administration through the
/// controller, produce with acks=all to the leaders, fetch and list offsets back, added partitions, deletion.
///
/// Topics have one replica here; `ReplicatedTopicTests` covers replication.
@Suite("KafkaClient and the CLI against real brokers", .serialized)
struct ClientEndToEndTests {
    /// Two brokers whose listener ports are known, and a client bootstrapped from the first.
    private static func start() async throws -> (TestCluster, [BrokerProcess], [Int]) {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        var ports: [Int] = []
        for id: Int32 in 0...1 {
            let port = FreePort.next()
            ports.append(port)
            brokers.append(try await cluster.startBroker(id, extra: ["listeners": "PLAINTEXT://127.0.0.1:\(port)"]))
        }
        return (cluster, brokers, ports)
    }

    @Test func topicAdministrationProduceFetchAndOffsets() async throws {
        let (cluster, brokers, ports) = try await Self.start()
        let client = KafkaClusterClient(bootstrapServers: [BrokerAddress(host: "127.0.0.1", port: ports[0])])
        do {
            let created = try await client.createTopics([
                NewTopic(name: "orders", numPartitions: 2, replicationFactor: 1, configs: ["retention.ms": "3600000"])
            ])
            #expect(created.map(\.errorCode) == [.noError])
            let again = try await client.createTopics([NewTopic(name: "orders", numPartitions: 2, replicationFactor: 1)])
            #expect(again.map(\.errorCode) == [.topicAlreadyExists])

            try await eventually(timeout: .seconds(20), "orders has leaders") {
                let topic = try await client.metadata(topics: ["orders"]).topic("orders")
                return topic?.partitions.count == 2 && topic?.partitions.allSatisfy { $0.leader != nil } == true
            }
            let metadata = try await client.metadata(topics: ["orders"])
            #expect(metadata.brokers.map(\.id) == [0, 1])
            #expect(metadata.topic("orders")?.partitions.map(\.replicas.count) == [1, 1])
            // The controller spreads the two leaders over both brokers, so produce and fetch go to each.
            #expect(Set(metadata.topic("orders")?.partitions.compactMap(\.leader) ?? []) == [0, 1])

            for partition: Int32 in 0...1 {
                var batch = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
                for i in 0..<3 { batch.append(key: Array("k\(i)".utf8), value: Array("p\(partition)-v\(i)".utf8)) }
                let produced = try await client.produce(topic: "orders", partition: partition, batch: batch, acks: -1)
                #expect(produced?.baseOffset == 0)
            }
            let fetched = try await client.fetch(topic: "orders", partition: 1, offset: 1)
            #expect(fetched.records.map(\.offset) == [1, 2])
            #expect(fetched.records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["p1-v1", "p1-v2"])
            #expect(fetched.highWatermark == 3)
            #expect(try await client.listOffsets(topic: "orders", partition: 0, timestamp: OffsetSpec.earliest).offset == 0)
            #expect(try await client.listOffsets(topic: "orders", partition: 0, timestamp: OffsetSpec.latest).offset == 3)

            let configs = try #require(try await client.describeConfigs([.topic("orders")]).first)
            #expect(configs.entries.first { $0.name == "retention.ms" }?.value == "3600000")

            #expect(try await client.createPartitions(["orders": 3]).map(\.errorCode) == [.noError])
            try await eventually(timeout: .seconds(20), "orders has 3 partitions") {
                try await client.metadata(topics: ["orders"]).topic("orders")?.partitions.count == 3
            }
            #expect(try await client.deleteTopics(["orders"]).map(\.errorCode) == [.noError])
            try await eventually(timeout: .seconds(30), "orders deleted") {
                try await client.metadata(topics: ["orders"]).topic("orders")?.errorCode == .unknownTopicOrPartition
            }
        } catch {
            Issue.record(error)
        }
        await client.close()
        await cluster.stop(brokers)
    }

    @Test func cliCreatesDescribesProducesAndConsumes() async throws {
        let (cluster, brokers, ports) = try await Self.start()
        let gregor = try GregorBinaries.url(of: "gregor")
        let server = ["--bootstrap-server", "127.0.0.1:\(ports[1])"]
        do {
            let created = try await ChildProcess.run(
                gregor, arguments: ["topics", "--create", "--topic", "events", "--partitions", "1", "--replication-factor", "1"] + server)
            #expect(created.status == 0, "\(created.output)")
            #expect(created.output.contains("Created topic events."))
            try await eventually(timeout: .seconds(20), "events has a leader") {
                let described = try await ChildProcess.run(gregor, arguments: ["topics", "--describe", "--topic", "events"] + server)
                return described.output.contains("\tTopic: events\tPartition: 0\tLeader: ") && !described.output.contains("Leader: none")
            }
            let described = try await ChildProcess.run(gregor, arguments: ["topics", "--describe", "--topic", "events"] + server)
            #expect(described.output.contains("Topic: events\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: "),
                    "\(described.output)")

            let input = cluster.directory.appendingPathComponent("input.txt")
            try Data("a:1\nb:2\nc:3\n".utf8).write(to: input)
            let produced = try await ChildProcess.run(
                URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", "input=$1; shift; exec \"$0\" \"$@\" < \"$input\"", gregor.path, input.path,
                            "produce", "--topic", "events", "--key-separator", ":", "--acks", "all"] + server)
            #expect(produced.status == 0, "\(produced.output)")

            let consumed = try await ChildProcess.run(
                gregor,
                arguments: ["consume", "--topic", "events", "--from-beginning", "--max-messages", "3", "--print-key"] + server,
                timeout: .seconds(20))
            #expect(consumed.status == 0, "\(consumed.output)")
            #expect(consumed.output.contains("a\t1\nb\t2\nc\t3\n"), "\(consumed.output)")
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    /// kafka-topics.sh's partition filters, after broker 1 stops: a replicated topic loses an in-sync replica
    /// (under-replicated, under min.insync.replicas=2), a partition that lived only on broker 1 has no leader
    /// (unavailable, and under min ISR), and single-replica partitions sit exactly at their min ISR.
    @Test func cliDescribeFiltersPartitionsLikeKafkaTopics() async throws {
        let (cluster, brokers, ports) = try await Self.start()
        let gregor = try GregorBinaries.url(of: "gregor")
        let server = ["--bootstrap-server", "127.0.0.1:\(ports[0])"]
        let client = KafkaClusterClient(bootstrapServers: [BrokerAddress(host: "127.0.0.1", port: ports[0])])
        func listed(_ filter: String) async throws -> Set<String> {
            let described = try await ChildProcess.run(gregor, arguments: ["topics", "--describe", "--\(filter)"] + server)
            #expect(described.status == 0, "\(described.output)")
            #expect(!described.output.contains("PartitionCount"), "a filter prints no topic lines: \(described.output)")
            return Set(described.output.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: "\t").map(String.init)
                guard fields.count > 2, fields[0].hasPrefix("Topic: "), fields[1].hasPrefix("Partition: ") else { return nil }
                return fields[0].dropFirst("Topic: ".count) + "-" + fields[1].dropFirst("Partition: ".count)
            })
        }
        do {
            let created = try await client.createTopics([
                NewTopic(name: "replicated", assignments: [0: [0, 1], 1: [1, 0]], configs: ["min.insync.replicas": "2"]),
                NewTopic(name: "single", assignments: [0: [0], 1: [1]]),
            ])
            #expect(created.map(\.errorCode) == [.noError, .noError])
            try await eventually(timeout: .seconds(20), "every partition has a leader and a full ISR") {
                let metadata = try await client.metadata(topics: ["replicated", "single"])
                return metadata.topics.count == 2 && metadata.topics.allSatisfy { topic in
                    topic.partitions.count == 2 && topic.partitions.allSatisfy { $0.leader != nil && $0.isr.count == $0.replicas.count }
                }
            }
            #expect(try await listed("under-replicated-partitions").isEmpty)
            #expect(try await listed("unavailable-partitions").isEmpty)
            #expect(try await listed("under-min-isr-partitions").isEmpty)

            _ = await brokers[1].stop()
            try await eventually(timeout: .seconds(30), "broker 1's replicas leave the ISRs") {
                try await listed("under-replicated-partitions") == ["replicated-0", "replicated-1"]
            }
            #expect(try await listed("unavailable-partitions") == ["single-1"])
            #expect(try await listed("under-min-isr-partitions") == ["replicated-0", "replicated-1", "single-1"])
            // As Kafka: the offline partition keeps its last in-sync replica, which is its min ISR.
            #expect(try await listed("at-min-isr-partitions") == ["single-0", "single-1"])

            let twoFilters = try await ChildProcess.run(
                gregor, arguments: ["topics", "--describe", "--under-replicated-partitions", "--unavailable-partitions"] + server)
            #expect(twoFilters.status != 0)
            let withoutDescribe = try await ChildProcess.run(gregor, arguments: ["topics", "--list", "--unavailable-partitions"] + server)
            #expect(withoutDescribe.status != 0)
            #expect(withoutDescribe.output.contains("--unavailable-partitions is only valid with --describe"))
        } catch {
            Issue.record(error)
        }
        await client.close()
        await cluster.stop(brokers)
    }

    /// Batches another client compressed (kcat, librdkafka's gzip) decode in `gregor consume`; keys, values and
    /// order survive.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat"), "kcat is installed by setup.sh"))
    func consumeDecodesKcatGzipBatches() async throws {
        let (cluster, brokers, ports) = try await Self.start()
        let gregor = try GregorBinaries.url(of: "gregor")
        let server = ["--bootstrap-server", "127.0.0.1:\(ports[0])"]
        do {
            let created = try await ChildProcess.run(
                gregor, arguments: ["topics", "--create", "--topic", "zipped", "--partitions", "1", "--replication-factor", "1"] + server)
            #expect(created.status == 0, "\(created.output)")
            let input = cluster.directory.appendingPathComponent("kcat-input.txt")
            let lines = (0..<50).map { "key-\($0):value \($0) " + String(repeating: "gzip me ", count: 10) }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
            let produced = try await ChildProcess.run(
                URL(fileURLWithPath: "/usr/bin/kcat"),
                arguments: ["-P", "-b", "127.0.0.1:\(ports[0])", "-t", "zipped", "-p", "0", "-K", ":", "-z", "gzip",
                            "-X", "linger.ms=50", "-l", input.path],
                timeout: .seconds(30))
            #expect(produced.status == 0, "\(produced.output)")
            let consumed = try await ChildProcess.run(
                gregor,
                arguments: ["consume", "--topic", "zipped", "--from-beginning", "--max-messages", "50", "--print-key"] + server,
                timeout: .seconds(20))
            #expect(consumed.status == 0, "\(consumed.output)")
            let expected = lines.map { $0.replacingOccurrences(of: ":", with: "\t") }
            #expect(consumed.output.split(separator: "\n").prefix(50).map(String.init) == expected, "\(consumed.output)")
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }
}
