import Coordination
import Foundation
import GregorTestSupport
import Logging
import ZooKeeper

/// A real ZooKeeper server plus real `gregor-server` processes, each broker with its own port and log dir, all
/// under one chroot; and a ZooKeeper session to look at the tree as an operator would.
final class TestCluster: Sendable {
    static let sessionTimeoutMs = 6000

    let zooKeeper: ZooKeeperServer
    let chroot: String
    let directory: URL
    let inspector: KafkaZkClient

    private init(zooKeeper: ZooKeeperServer, chroot: String, directory: URL, inspector: KafkaZkClient) {
        self.zooKeeper = zooKeeper
        self.chroot = chroot
        self.directory = directory
        self.inspector = inspector
    }

    static func start() async throws -> TestCluster {
        let server = try await ZooKeeperServer.start()
        let chroot = "/gregor"
        let config = ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + chroot),
            sessionTimeout: .seconds(10), connectionTimeout: .seconds(10))
        let inspector = try await ClusterMembership.connect(config, logger: Logger(label: "test.inspector"))
        let directory = try TemporaryDirectory.make(prefix: "gregor-cluster")
        return TestCluster(zooKeeper: server, chroot: chroot, directory: directory, inspector: inspector)
    }

    var connectString: String { zooKeeper.connectString + chroot }

    func properties(brokerId: Int32, extra: [String: String] = [:]) -> [String: String] {
        var properties = [
            "broker.id": "\(brokerId)",
            "listeners": "PLAINTEXT://127.0.0.1:\(FreePort.next())",
            "log.dirs": directory.appendingPathComponent("logs-\(brokerId)-\(UUID().uuidString.prefix(6))").path,
            "zookeeper.connect": connectString,
            "zookeeper.session.timeout.ms": "\(Self.sessionTimeoutMs)",
            // The last broker stopped retries its controlled shutdown: 0.2 s apart rather than Kafka's 5 s.
            "controlled.shutdown.retry.backoff.ms": "200",
        ]
        properties.merge(extra) { _, new in new }
        return properties
    }

    /// Starts a broker and waits until it says it is registered and serving.
    func startBroker(_ id: Int32, extra: [String: String] = [:]) async throws -> BrokerProcess {
        let broker = try launchBroker(id, extra: extra)
        try await broker.waitForLog(containing: "Gregor broker \(id) started", timeout: .seconds(30))
        return broker
    }

    /// Starts a broker without waiting for anything (for brokers expected to fail).
    func launchBroker(_ id: Int32, extra: [String: String] = [:]) throws -> BrokerProcess {
        try BrokerProcess.start(
            executable: GregorBinaries.url(of: "gregor-server"), properties: properties(brokerId: id, extra: extra))
    }

    func liveBrokerIds() async throws -> [Int32] {
        (try? await inspector.liveBrokerIds()) ?? []
    }

    func stop(_ brokers: [BrokerProcess]) async {
        for broker in brokers { await broker.stop() }
        await inspector.zooKeeper.close()
        await zooKeeper.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
