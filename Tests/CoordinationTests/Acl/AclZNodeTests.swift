import Coordination
import Testing

/// The ACL znodes and change notifications byte for byte as Kafka 2.8 writes them (`ResourceZNode`,
/// `LiteralAclChangeStore`, `ExtendedAclChangeStore`).
@Suite("ACL znode formats")
struct AclZNodeTests {
    @Test func pathsAreKafkas() {
        #expect(ResourceZNode.path(ResourcePattern(.topic, "orders")) == "/kafka-acl/Topic/orders")
        #expect(ResourceZNode.path(ResourcePattern(.group, "g", .prefixed)) == "/kafka-acl-extended/prefixed/Group/g")
        #expect(ResourceZNode.path(ResourcePattern(.transactionalId, "tx")) == "/kafka-acl/TransactionalId/tx")
        #expect(ResourceZNode.path(.literal, .delegationToken) == "/kafka-acl/DelegationToken")
        #expect(ResourceZNode.path(ResourcePattern(.cluster, "kafka-cluster")) == "/kafka-acl/Cluster/kafka-cluster")
    }

    @Test func aclsAreKafkasJSON() throws {
        let acls: Set = [AccessControlEntry(principal: "User:alice", host: "*", operation: .write, permissionType: .allow)]
        let text = String(decoding: ResourceZNode.encode(acls), as: UTF8.self)
        #expect(text == #"{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Write","host":"*"}]}"#)
        #expect(try ResourceZNode.decode(ResourceZNode.encode(acls), path: "/p") == acls)
    }

    @Test func decodesWhatKafkaWrites() throws {
        let kafka = #"{"version": 1, "acls": [ { "host":"host1", "permissionType": "Deny","operation": "DescribeConfigs","principal": "User:alice"}]}"#
        #expect(try ResourceZNode.decode(Array(kafka.utf8), path: "/p")
            == [AccessControlEntry(principal: "User:alice", host: "host1", operation: .describeConfigs, permissionType: .deny)])
        #expect(try ResourceZNode.decode([], path: "/p").isEmpty)
        #expect(throws: ZkDataError.self) { try ResourceZNode.decode(Array(#"{"version":2,"acls":[]}"#.utf8), path: "/p") }
        let badOp = #"{"version":1,"acls":[{"host":"*","permissionType":"Allow","operation":"Fly","principal":"User:a"}]}"#
        #expect(throws: ZkDataError.self) { try ResourceZNode.decode(Array(badOp.utf8), path: "/p") }
    }

    @Test func literalChangeIsLegacyText() throws {
        let pattern = ResourcePattern(.transactionalId, "tx:1")
        #expect(String(decoding: AclChangeNotification.encode(pattern), as: UTF8.self) == "TRANSACTIONAL_ID:tx:1")
        #expect(try AclChangeNotification.decode(
            AclChangeNotification.encode(pattern), changePath: AclChangeNotification.literalChangePath, path: "/p") == pattern)
        #expect(AclChangeNotification.changePath(.literal) == "/kafka-acl-changes")
    }

    @Test func extendedChangeIsJSON() throws {
        let pattern = ResourcePattern(.topic, "ord", .prefixed)
        #expect(String(decoding: AclChangeNotification.encode(pattern), as: UTF8.self)
            == #"{"version":1,"resourceType":"TOPIC","name":"ord","patternType":"PREFIXED"}"#)
        #expect(try AclChangeNotification.decode(
            AclChangeNotification.encode(pattern), changePath: AclChangeNotification.extendedChangePath, path: "/p") == pattern)
        #expect(AclChangeNotification.changePath(.prefixed) == "/kafka-acl-extended-changes")
        #expect(AclChangeNotification.sequenceNumber(ofNodeName: "acl_changes_0000000007") == 7)
    }

    @Test func namesParseBothSpellings() {
        #expect(AclOperation(name: "IdempotentWrite") == .idempotentWrite)
        #expect(AclOperation(name: "IDEMPOTENT_WRITE") == .idempotentWrite)
        #expect(ResourceType(name: "TransactionalId") == .transactionalId)
        #expect(PatternType(name: "prefixed") == .prefixed)
        #expect(AclOperation.clusterAction.name == "ClusterAction")
        #expect(AclPermissionType(name: "Allow") == .allow)
        #expect(AclOperation(name: "Fly") == nil)
    }
}
