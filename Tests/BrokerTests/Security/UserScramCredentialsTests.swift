import KafkaProtocol
import NIOCore
import Testing

@testable import Broker

/// The request screening and description rules of Kafka 2.8's `ZkAdminManager` for the SCRAM admin APIs.
@Suite struct UserScramCredentialsTests {
    typealias Upsertion = AlterUserScramCredentialsRequest.ScramCredentialUpsertion
    typealias Deletion = AlterUserScramCredentialsRequest.ScramCredentialDeletion

    static func upsert(_ user: String, _ mechanism: Int8 = 1, iterations: Int32 = 4096) -> Upsertion {
        Upsertion(name: user, mechanism: mechanism, iterations: iterations, salt: ByteBuffer(bytes: [1]), saltedPassword: ByteBuffer(bytes: [2]))
    }

    @Test func screeningRefusesWithKafkasCodesAndMessages() {
        let request = AlterUserScramCredentialsRequest(
            deletions: [Deletion(name: "dora", mechanism: 9), Deletion(name: "eve", mechanism: 1), Deletion(name: "ok2", mechanism: 2)],
            upsertions: [
                Self.upsert(""), Self.upsert("alice", 3), Self.upsert("bob", iterations: 4095), Self.upsert("carol", iterations: 16385),
                Self.upsert("eve"), Self.upsert("ok", iterations: 16384), Self.upsert("ok2", 1),
            ])
        let (refused, accepted) = UserScramCredentials.screen(request)
        let byUser = Dictionary(uniqueKeysWithValues: refused.map { ($0.user, $0) })
        #expect(byUser[""]?.errorCode == ErrorCode.unacceptableCredential.rawValue)
        #expect(byUser[""]?.errorMessage == "Username must not be empty")
        #expect(byUser["alice"]?.errorCode == ErrorCode.unsupportedSaslMechanism.rawValue)
        #expect(byUser["alice"]?.errorMessage == "Unknown SCRAM mechanism")
        #expect(byUser["dora"]?.errorCode == ErrorCode.unsupportedSaslMechanism.rawValue)
        #expect(byUser["bob"]?.errorCode == ErrorCode.unacceptableCredential.rawValue)
        #expect(byUser["bob"]?.errorMessage == "Too few iterations")
        #expect(byUser["carol"]?.errorMessage == "Too many iterations")
        // Upserting and deleting the same user and mechanism in one request.
        #expect(byUser["eve"]?.errorCode == ErrorCode.duplicateResource.rawValue)
        #expect(byUser["eve"]?.errorMessage == "A user credential cannot be altered twice in the same request")
        #expect(refused.count == 6)
        #expect(accepted == ["ok", "ok2"])
    }

    @Test func describeShowsMechanismsAndIterationsOnly() {
        let credential = ScramCredential(salt: [1], storedKey: [2], serverKey: [3], iterations: 8192)
        let result = UserScramCredentials.describe(
            user: "alice", config: ["SCRAM-SHA-512": credential.credentialString, "SCRAM-SHA-256": credential.credentialString,
                                    "producer_byte_rate": "1024"])
        #expect(result?.errorCode == 0)
        #expect(result?.credentialInfos == [.init(mechanism: 1, iterations: 8192), .init(mechanism: 2, iterations: 8192)])
        #expect(UserScramCredentials.describe(user: "quota-only", config: ["producer_byte_rate": "1024"]) == nil)
        let broken = UserScramCredentials.describe(user: "broken", config: ["SCRAM-SHA-256": "salt=AQ=="])
        #expect(broken?.errorCode == ErrorCode.unknownServerError.rawValue)
    }

    @Test func theCacheFollowsEachUsersConfig() {
        let cache = CredentialCache()
        let credential = ScramCredential(salt: [1], storedKey: [2], serverKey: [3], iterations: 4096)
        #expect(cache.update(user: "alice", config: ["SCRAM-SHA-256": credential.credentialString, "SCRAM-SHA-512": "junk"])
            == [.scramSha512])
        #expect(cache.credential(user: "alice", mechanism: .scramSha256) == credential)
        #expect(cache.credential(user: "alice", mechanism: .scramSha512) == nil)
        #expect(cache.users == ["alice"])
        cache.update(user: "alice", config: [:])
        #expect(cache.credential(user: "alice", mechanism: .scramSha256) == nil)
        #expect(cache.users.isEmpty)
    }
}
