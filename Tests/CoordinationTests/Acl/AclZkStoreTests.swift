import Coordination
import Foundation
import GregorTestSupport
import Logging
import Testing
import ZooKeeper

/// The ACL store of `KafkaZkClient` against a real ZooKeeper server, each test under its own chroot.
@Suite("ACL store in a real ZooKeeper")
struct AclZkStoreTests {
    private static let server = Task { try await ZooKeeperServer.start() }

    private func session() async throws -> KafkaZkClient {
        let server = try await Self.server.value
        let config = ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + "/acl-\(UUID().uuidString.prefix(8))"),
            sessionTimeout: .seconds(6), connectionTimeout: .seconds(10))
        return try await ClusterMembership.connect(config, logger: Logger(label: "test"))
    }

    @Test func createAclPathsMakesKafkasTree() async throws {
        let zk = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.createAclPaths()
        try await zk.createAclPaths()  // idempotent
        for path in [
            "/kafka-acl/Topic", "/kafka-acl/Group", "/kafka-acl/Cluster", "/kafka-acl/TransactionalId",
            "/kafka-acl/DelegationToken", "/kafka-acl-extended/prefixed/Topic", "/kafka-acl-changes",
            "/kafka-acl-extended-changes",
        ] {
            #expect(try await zk.zooKeeper.exists(path) != nil, "\(path) missing")
        }
    }

    @Test func conditionalReadModifyWrite() async throws {
        let zk = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.createAclPaths()
        let pattern = ResourcePattern(.topic, "orders", .prefixed)
        let alice = AccessControlEntry(principal: "User:alice", host: "*", operation: .write, permissionType: .allow)
        let bob = AccessControlEntry(principal: "User:bob", host: "*", operation: .read, permissionType: .allow)
        #expect(try await zk.versionedAcls(pattern) == .none)
        #expect(try await zk.conditionalSetAcls(pattern, [alice], expected: .none) == 0)
        // A second writer that still believes the znode absent loses, and so does a stale version.
        #expect(try await zk.conditionalSetAcls(pattern, [bob], expected: .none) == nil)
        let read = try await zk.versionedAcls(pattern)
        #expect(read == VersionedAcls(acls: [alice], zkVersion: 0))
        #expect(try await zk.conditionalSetAcls(pattern, [alice, bob], expected: read) == 1)
        #expect(try await zk.conditionalSetAcls(pattern, [bob], expected: read) == nil)
        let raw = try await zk.zooKeeper.getData("/kafka-acl-extended/prefixed/Topic/orders").data
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix(#"{"version":1,"acls":[{"principal":"User:alice","#))
        #expect(try await zk.aclResourceNames(.prefixed, .topic) == ["orders"])
        // The last ACL gone, the znode goes too.
        #expect(try await zk.conditionalSetAcls(pattern, [], expected: try await zk.versionedAcls(pattern)) == VersionedAcls.unknownVersion)
        #expect(try await zk.zooKeeper.exists(ResourceZNode.path(pattern)) == nil)
    }

    @Test func changeNotificationsAreSequentialAtKafkasPaths() async throws {
        let zk = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.createAclPaths()
        try await zk.createAclChangeNotification(ResourcePattern(.topic, "orders"))
        try await zk.createAclChangeNotification(ResourcePattern(.group, "g", .prefixed))
        let literal = try await zk.aclChangeNotificationNames("/kafka-acl-changes")
        #expect(literal.map(\.name) == ["acl_changes_0000000000"])
        let data = try await zk.zooKeeper.getData("/kafka-acl-changes/acl_changes_0000000000").data
        #expect(String(decoding: data, as: UTF8.self) == "TOPIC:orders")
        let extended = try #require(try await zk.aclChangeNotification("/kafka-acl-extended-changes", "acl_changes_0000000000"))
        #expect(try extended.pattern.get() == ResourcePattern(.group, "g", .prefixed))
        try await zk.deleteAclChangeNotification("/kafka-acl-changes", "acl_changes_0000000000")
        #expect(try await zk.aclChangeNotificationNames("/kafka-acl-changes").isEmpty)
    }
}
