import Coordination
import KafkaProtocol
import Logging
import Testing

@testable import Broker

/// The credential cache loaded from `/config/users` and kept current by `users/<user>` notifications, against a
/// real ZooKeeper.
@Suite struct CredentialCacheLoadingTests {
    @Test func loadedAtStartupThenUpdatedPerNotification() async throws {
        let zk = try await DynamicConfigManagerTests.session()
        let admin = AdminZkClient(zk: zk, logger: Logger(label: "test"))
        let formatter = ScramFormatter(.scramSha256)
        let first = try formatter.credential(password: "one", salt: Array("s1".utf8), iterations: 4096)
        let second = try formatter.credential(password: "two", salt: Array("s2".utf8), iterations: 8192)
        try await admin.changeUserConfig(user: "alice", configs: ["SCRAM-SHA-256": first.credentialString])
        try await admin.changeUserConfig(user: "bob smith", configs: ["SCRAM-SHA-512": first.credentialString])
        // A user node that is not a config (written by hand) is skipped, not fatal to the load.
        _ = try await zk.zooKeeper.create("/config/users/broken", data: Array("{".utf8))
        let cache = CredentialCache()
        let manager = DynamicConfigManager(
            session: { zk }, topicConfig: { _ in [:] }, applyTopicConfig: { _, _ in 0 }, logger: Logger(label: "test"),
            credentials: cache)
        try await manager.loadAllUsers(zk: zk)
        #expect(cache.credential(user: "alice", mechanism: .scramSha256) == first)
        #expect(cache.credential(user: "bob smith", mechanism: .scramSha512) == first)
        var last = await manager.handleNew(after: 1, zk: zk)  // both notifications were written before the load

        try await admin.changeUserConfig(user: "alice", configs: ["SCRAM-SHA-512": second.credentialString])
        try await admin.changeUserConfig(user: "bob smith", configs: [:])
        last = await manager.handleNew(after: last, zk: zk)
        #expect(last == 3)
        #expect(cache.credential(user: "alice", mechanism: .scramSha256) == nil)
        #expect(cache.credential(user: "alice", mechanism: .scramSha512) == second)
        #expect(cache.users == ["alice"])
        await zk.zooKeeper.close()
    }
}
