import Coordination
import KafkaProtocol
import Testing
import ZooKeeper

/// User configs (SCRAM credentials) in ZooKeeper as Kafka 2.8 writes them, against a real ZooKeeper.
@Suite struct AdminZkClientUsersTests {
    @Test func changeUserConfigWritesTheEntityAndAVersion2Notification() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let admin = AdminZkClient(zk: zk)
        let credential = ScramCredential(salt: [1, 2, 3], storedKey: [4], serverKey: [5], iterations: 4096)
        try await admin.changeUserConfig(user: "alice", configs: ["SCRAM-SHA-256": credential.credentialString])
        #expect(try await zk.text("/config/users/alice")
            == #"{"version":1,"config":{"SCRAM-SHA-256":"salt=AQID,stored_key=BA==,server_key=BQ==,iterations=4096"}}"#)
        let names = try await zk.configChangeNotificationNames()
        #expect(names.map(\.name) == ["config_change_0000000000"])
        #expect(try await zk.text("/config/changes/config_change_0000000000") == #"{"version":2,"entity_path":"users/alice"}"#)

        // A user whose name needs escaping lives under its sanitized name and is read back by its own.
        try await admin.changeUserConfig(user: "bob smith*", configs: [:])
        #expect(try await zk.text("/config/users/bob%20smith%2A") == #"{"version":1,"config":{}}"#)
        #expect(try await zk.text("/config/changes/config_change_0000000001") == #"{"version":2,"entity_path":"users/bob%20smith%2A"}"#)
        #expect(try await admin.allUserConfigs() == [
            "alice": ["SCRAM-SHA-256": credential.credentialString], "bob smith*": [:],
        ])
        #expect(try await admin.userConfig(user: "carol") == [:])

        // Too big for a znode: refused before ZooKeeper (which would drop the connection), nothing written.
        let huge = String(repeating: "A", count: 1_000_000)
        await #expect(throws: AdminError.self) { try await admin.changeUserConfig(user: "dave", configs: ["SCRAM-SHA-256": huge]) }
        #expect(try await zk.text("/config/users/dave") == nil)
        #expect(try await zk.configChangeNotificationNames().count == 2)
        #expect(zk.zooKeeper.state == .connected)
        await zk.close()
    }

    /// Kafka's `Sanitizer` (URLEncoder, then `*` as %2A and space as %20) and its inverse.
    @Test func sanitizerMatchesKafka() {
        #expect(Sanitizer.sanitize("alice") == "alice")
        #expect(Sanitizer.sanitize("User:CN=a, O=b") == "User%3ACN%3Da%2C%20O%3Db")
        #expect(Sanitizer.sanitize("a.b-c_d*e") == "a.b-c_d%2Ae")
        #expect(Sanitizer.sanitize("ü") == "%C3%BC")
        #expect(Sanitizer.desanitize("User%3ACN%3Da%2C%20O%3Db") == "User:CN=a, O=b")
        #expect(Sanitizer.desanitize("a+b") == "a b")
        #expect(Sanitizer.desanitize("%C3%BC") == "ü")
        #expect(Sanitizer.desanitize("%zz") == nil)
        #expect(Sanitizer.desanitize("%C3") == nil)
    }
}
