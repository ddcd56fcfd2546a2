import Coordination
import Foundation
import GregorTestSupport
import Logging
import ZooKeeper

/// One real ZooKeeper server for the admin and controller suites; every test works under its own chroot, so each
/// sees a fresh, empty Kafka tree.
enum TestZooKeeper {
    private static let server = Task { try await ZooKeeperServer.start() }

    /// A configuration for a new, unique chroot.
    static func freshChroot() async throws -> ClusterMembership.Configuration {
        let server = try await server.value
        let chroot = "/kafka-\(UUID().uuidString.prefix(8))"
        return ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + chroot),
            sessionTimeout: .seconds(6), connectionTimeout: .seconds(10))
    }

    /// A new session in that chroot (creating it first), with Kafka's persistent paths in place.
    static func session(_ config: ClusterMembership.Configuration) async throws -> KafkaZkClient {
        let zk = try await ClusterMembership.connect(config, logger: Logger(label: "test"))
        try await zk.ensurePersistentPaths()
        return zk
    }

    /// Registers broker `id` in a session of its own; closing that session is the broker dying.
    static func registerBroker(_ id: Int32, _ config: ClusterMembership.Configuration) async throws -> KafkaZkClient {
        let zk = try await session(config)
        try await zk.registerBroker(brokerInfo(id))
        return zk
    }

    static func brokerInfo(_ id: Int32) -> BrokerInfo {
        BrokerInfo(
            id: id, endPoints: [EndPoint(listenerName: "PLAINTEXT", host: "127.0.0.1", port: 9092 + Int(id), securityProtocol: .plaintext)],
            rack: nil, timestampMs: "1732400000000")
    }
}

extension KafkaZkClient {
    /// The znode's data as text, or nil when it does not exist.
    func text(_ path: String) async throws -> String? {
        do {
            return String(decoding: try await zooKeeper.getData(path).data, as: UTF8.self)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    func close() async { await zooKeeper.close() }
}
