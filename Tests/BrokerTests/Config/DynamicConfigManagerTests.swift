import KafkaProtocol
import Coordination
import Foundation
import GregorTestSupport
import Logging
import Storage
import Synchronization
import Testing
import ZooKeeper

@testable import Broker

/// Topic config changes announced under `/config/changes`, against a real ZooKeeper.
@Suite struct DynamicConfigManagerTests {
    static let server = Task { try await ZooKeeperServer.start() }

    static func session() async throws -> KafkaZkClient {
        let server = try await server.value
        let config = ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + "/configs-\(UUID().uuidString.prefix(8))"),
            sessionTimeout: .seconds(6), connectionTimeout: .seconds(10))
        let zk = try await ClusterMembership.connect(config, logger: Logger(label: "test"))
        try await zk.ensurePersistentPaths()
        return zk
    }

    @Test func notificationsAreDecodedInBothVersions() throws {
        let v2 = try ConfigChangeNotification.decode(Array(#"{"version":2,"entity_path":"topics/orders"}"#.utf8), path: "p")
        #expect(v2 == .topic("orders"))
        let v1 = try ConfigChangeNotification.decode(
            Array(#"{"version":1,"entity_type":"topics","entity_name":"orders"}"#.utf8), path: "p")
        #expect(v1 == .topic("orders"))
        #expect(String(decoding: ConfigChangeNotification.topic("orders").encoded(), as: UTF8.self)
            == #"{"version":2,"entity_path":"topics/orders"}"#)
        #expect(throws: ZkDataError.self) { _ = try ConfigChangeNotification.decode(Array(#"{"version":2,"entity_path":"orders"}"#.utf8), path: "p") }
        #expect(ConfigChangeNotification.sequenceNumber(ofNodeName: "config_change_0000000012") == 12)
        #expect(ConfigChangeNotification.sequenceNumber(ofNodeName: "other") == nil)
    }

    /// What `AdminZkClient.changeTopicConfig` writes reaches the handler once per notification, in order, and
    /// a notification handled before is not handled again.
    @Test func eachNotificationIsHandledOnceWithTheTopicsCurrentOverrides() async throws {
        let zk = try await Self.session()
        defer { Task { await zk.zooKeeper.close() } }
        let admin = AdminZkClient(zk: zk, logger: Logger(label: "test"))
        try await admin.createTopic(name: "orders", assignment: [0: [0]], configs: ["retention.ms": "1000"])
        let applied = Mutex<[(String, [String: String])]>([])
        let manager = DynamicConfigManager(
            session: { zk },
            topicConfig: { topic in try await AdminZkClient(zk: zk, logger: Logger(label: "test")).topicConfig(topic) },
            applyTopicConfig: { topic, overrides in
                applied.withLock { $0.append((topic, overrides)) }
                return 1
            },
            logger: Logger(label: "test"))
        try await admin.changeTopicConfig(topic: "orders", configs: ["min.insync.replicas": "2", "retention.ms": "-1"])
        var last = await manager.handleNew(after: -1, zk: zk)
        #expect(last == 0)
        #expect(applied.withLock { $0.map(\.0) } == ["orders"])
        #expect(applied.withLock { $0.last?.1 } == ["min.insync.replicas": "2", "retention.ms": "-1"])
        last = await manager.handleNew(after: last, zk: zk)
        #expect(applied.withLock { $0.count } == 1)

        // A malformed notification is skipped, not retried forever; the next one is handled.
        try await zk.zooKeeper.create(ZkPaths.configChanges + "/config_change_", data: Array("{".utf8), mode: .persistentSequential)
        try await admin.changeTopicConfig(topic: "orders", configs: ["retention.ms": "5"])
        last = await manager.handleNew(after: last, zk: zk)
        #expect(last == 2)
        #expect(applied.withLock { $0.last?.1 } == ["retention.ms": "5"])

        // Notifications older than 15 minutes are purged by whoever sees them.
        _ = await manager.handleNew(after: last, zk: zk, nowMs: { Log.nowMs() + DynamicConfigManager.changeExpirationMs + 60_000 })
        #expect(try await zk.configChangeNotificationNames().isEmpty)
    }

    /// A running log takes the new overrides, and its replica the new `min.insync.replicas`.
    @Test func aTopicChangeReachesRunningLogsAndReplicas() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let tp = TopicPartition(topic: "orders", partition: 0)
        try await fixture.lead(tp, leaderEpoch: 1)
        let partition = try #require(fixture.replicaManager.partition(tp))
        #expect(partition.minInsyncReplicas == 1)
        let changed = fixture.replicaManager.applyTopicConfig(
            topic: "orders", overrides: ["min.insync.replicas": "2", "retention.ms": "-1", "max.message.bytes": "2000"])
        #expect(changed == 1)
        #expect(partition.minInsyncReplicas == 2)
        #expect(partition.log.config.retentionMs == -1)
        #expect(partition.log.config.maxMessageBytes == 2000)
    }
}
