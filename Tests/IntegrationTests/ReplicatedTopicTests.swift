import Coordination
import Foundation
import GregorTestSupport
import KafkaClient
import KafkaProtocol
import Testing
import ZooKeeper

/// Replication across three real `gregor-server` processes: followers fetch from the leader, acks=all answers once
/// the in-sync replicas have the records, and what was acknowledged survives the leader's death.
@Suite("Replicated topics with real broker processes", .serialized)
struct ReplicatedTopicTests {
    static let topic = "orders"

    /// Three brokers with min.insync.replicas=2 and a short replica.lag.time.max.ms, their log dirs and listener
    /// ports fixed so a broker can be restarted in place, and a client bootstrapped from all of them.
    struct Cluster {
        let cluster: TestCluster
        var brokers: [BrokerProcess]
        let properties: [[String: String]]
        let client: KafkaClusterClient

        static func start(sessionTimeoutMs: Int = TestCluster.sessionTimeoutMs) async throws -> Cluster {
            let cluster = try await TestCluster.start()
            var brokers: [BrokerProcess] = []
            var properties: [[String: String]] = []
            var addresses: [BrokerAddress] = []
            for id: Int32 in 0...2 {
                let port = FreePort.next()
                let extra = [
                    "listeners": "PLAINTEXT://127.0.0.1:\(port)",
                    "log.dirs": cluster.directory.appendingPathComponent("logs-\(id)").path,
                    "min.insync.replicas": "2",
                    "default.replication.factor": "3",
                    "replica.lag.time.max.ms": "2000",
                    "zookeeper.session.timeout.ms": "\(sessionTimeoutMs)",
                ]
                properties.append(extra)
                addresses.append(BrokerAddress(host: "127.0.0.1", port: port))
                brokers.append(try await cluster.startBroker(id, extra: extra))
            }
            let client = KafkaClusterClient(bootstrapServers: addresses)
            return Cluster(cluster: cluster, brokers: brokers, properties: properties, client: client)
        }

        func restart(_ id: Int32) async throws -> BrokerProcess {
            try await cluster.startBroker(id, extra: properties[Int(id)])
        }

        /// The partition's state znode, as an operator reads it.
        func state(partition: Int32 = 0) async throws -> LeaderIsrAndControllerEpoch? {
            try await cluster.inspector.partitionState(topic: ReplicatedTopicTests.topic, partition: partition)
        }

        func stop() async {
            await client.close()
            await cluster.stop(brokers)
        }
    }

    static func batch(_ values: [String]) -> RecordBatchBuilder {
        var batch = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        for value in values { batch.append(key: nil, value: Array(value.utf8)) }
        return batch
    }

    /// Every record of partition 0 from `offset` up to the high watermark, from its current leader.
    static func readAll(_ client: KafkaClusterClient, expecting count: Int) async throws -> [String] {
        var values: [String] = []
        var offset: Int64 = 0
        while values.count < count {
            let fetched = try await client.fetch(topic: topic, partition: 0, offset: offset, maxWait: .milliseconds(200))
            guard !fetched.records.isEmpty else { break }
            values += fetched.records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            offset = fetched.nextOffset
        }
        return values
    }

    /// Creates the topic with three replicas and waits until its leader and all three replicas are in sync.
    static func createTopic(_ cluster: Cluster) async throws {
        let created = try await cluster.client.createTopics([NewTopic(name: topic, numPartitions: 1, replicationFactor: 3)])
        #expect(created.map(\.errorCode) == [.noError])
        try await eventually(timeout: .seconds(20), "\(topic)-0 online with three in-sync replicas") {
            try await cluster.state()?.leaderAndIsr.isr.count == 3
        }
    }

    @Test func acknowledgedRecordsSurviveTheLeadersDeath() async throws {
        let cluster = try await Cluster.start()
        do {
            try await Self.createTopic(cluster)
            var expected: [String] = []
            for round in 0..<10 {
                let values = (0..<3).map { "r\(round)-\($0)" }
                let produced = try await cluster.client.produce(topic: Self.topic, partition: 0, batch: Self.batch(values), acks: -1)
                #expect(produced?.baseOffset == Int64(expected.count))
                expected += values
            }
            // acks=all answered, so the high watermark is past every record: consumers of the leader see them all.
            #expect(try await Self.readAll(cluster.client, expecting: expected.count) == expected)

            let before = try #require(try await cluster.state()).leaderAndIsr
            cluster.brokers[Int(before.leader)].kill()
            try await eventually(timeout: .milliseconds(TestCluster.sessionTimeoutMs + 20_000), "a new leader from the ISR") {
                guard let now = try await cluster.state()?.leaderAndIsr else { return false }
                return now.leader >= 0 && now.leader != before.leader && before.isr.contains(now.leader)
            }
            // The new leader had every acknowledged record; once the other survivor has fetched them again the high
            // watermark covers them.
            try await eventually(timeout: .seconds(30), "every acknowledged record from the new leader") {
                try await Self.readAll(cluster.client, expecting: expected.count) == expected
            }
            // Two of three replicas are still enough for acks=all with min.insync.replicas=2.
            let produced = try await cluster.client.produce(topic: Self.topic, partition: 0, batch: Self.batch(["after"]), acks: -1)
            #expect(produced?.baseOffset == Int64(expected.count))
        } catch {
            Issue.record(error)
        }
        await cluster.stop()
    }

    /// A killed follower leaves the ISR by the leader's own write after replica.lag.time.max.ms (same leader epoch:
    /// the controller, which would bump it, only notices the death when the session expires 10 s later); acks=all
    /// goes on with two of three; restarted, the follower catches up and the leader adds it back.
    @Test func aDeadFollowerLeavesTheIsrAndRejoinsItWhenBack() async throws {
        var cluster = try await Cluster.start(sessionTimeoutMs: 10_000)
        do {
            try await Self.createTopic(cluster)
            var expected: [String] = []
            for round in 0..<3 {
                let values = ["a\(round)", "b\(round)"]
                _ = try await cluster.client.produce(topic: Self.topic, partition: 0, batch: Self.batch(values), acks: -1)
                expected += values
            }
            let before = try #require(try await cluster.state()).leaderAndIsr
            let follower = try #require(before.isr.first { $0 != before.leader })
            let survivors = before.isr.filter { $0 != follower }
            cluster.brokers[Int(follower)].kill()

            // A follower at the leader's log end is in sync however long ago it fetched (Kafka's rule), so only new
            // records show it lagging: this acks=all produce waits until the leader has dropped it from the ISR.
            let produced = try await cluster.client.produce(topic: Self.topic, partition: 0, batch: Self.batch(["c"]), acks: -1)
            #expect(produced?.baseOffset == Int64(expected.count))
            expected.append("c")
            let shrunk = try #require(try await cluster.state()).leaderAndIsr
            #expect(shrunk.isr == survivors)
            #expect(shrunk.leader == before.leader)
            #expect(shrunk.leaderEpoch == before.leaderEpoch)
            // The ISR change notification made the controller tell every broker.
            try await eventually(timeout: .seconds(20), "metadata with the shrunk ISR") {
                try await cluster.client.metadata(topics: [Self.topic]).topic(Self.topic)?.partition(0)?.isr.sorted()
                    == survivors.sorted()
            }
            #expect(try await Self.readAll(cluster.client, expecting: expected.count) == expected)

            // Back once its old session is gone (a broker id registers only once).
            try await eventually(timeout: .seconds(30), "broker \(follower)'s session expired") {
                try await !cluster.cluster.liveBrokerIds().contains(follower)
            }
            cluster.brokers[Int(follower)] = try await cluster.restart(follower)
            try await eventually(timeout: .seconds(30), "broker \(follower) back in the ISR") {
                try await cluster.state()?.leaderAndIsr.isr.sorted() == before.isr.sorted()
            }
            #expect(try await cluster.state()?.leaderAndIsr.leader == before.leader)
            let again = try await cluster.client.produce(topic: Self.topic, partition: 0, batch: Self.batch(["d"]), acks: -1)
            #expect(again?.baseOffset == Int64(expected.count))
        } catch {
            Issue.record(error)
        }
        await cluster.stop()
    }

    /// A topic config change written as Kafka's tools write it (`/config/topics/<t>` and a `/config/changes`
    /// notification) reaches the running replicas without a restart: `min.insync.replicas` above the replica count
    /// refuses acks=all at once, and back at 2 it is accepted again.
    @Test func aTopicConfigChangeReachesTheRunningReplicas() async throws {
        let cluster = try await Cluster.start()
        do {
            try await Self.createTopic(cluster)
            let admin = AdminZkClient(zk: cluster.cluster.inspector, logger: .init(label: "test"))
            try await admin.changeTopicConfig(topic: Self.topic, configs: ["min.insync.replicas": "4"])
            try await eventually(timeout: .seconds(20), "acks=all refused with NOT_ENOUGH_REPLICAS") {
                do {
                    _ = try await cluster.client.produce(
                        topic: Self.topic, partition: 0, batch: Self.batch(["x"]), acks: -1, timeout: .seconds(2))
                    return false
                } catch {
                    return "\(error)".contains("NOT_ENOUGH_REPLICAS(19)")
                }
            }
            try await admin.changeTopicConfig(topic: Self.topic, configs: ["min.insync.replicas": "2"])
            try await eventually(timeout: .seconds(20), "acks=all accepted again") {
                (try? await cluster.client.produce(
                    topic: Self.topic, partition: 0, batch: Self.batch(["y"]), acks: -1, timeout: .seconds(2))) != nil
            }
        } catch {
            Issue.record(error)
        }
        await cluster.stop()
    }
}
