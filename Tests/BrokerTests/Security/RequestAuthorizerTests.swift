import Coordination
import GregorTestSupport
import KafkaProtocol
import Logging
import NIOCore
import Testing

@testable import Broker

/// The per-request checks: Kafka's decisions over one ACL snapshot, its audit lines and levels, and the pure
/// pieces of the API mapping (which Metadata topics show, what a refused Produce answers).
@Suite struct RequestAuthorizerTests {
    private static let anonymous = "User:ANONYMOUS"

    private func allow(_ operation: AclOperation, _ type: ResourceType, _ name: String, _ pattern: PatternType = .literal,
                       _ permission: AclPermissionType = .allow, host: String = "*") -> AclBinding {
        AclBinding(
            ResourcePattern(type, name, pattern),
            AccessControlEntry(principal: Self.anonymous, host: host, operation: operation, permissionType: permission))
    }

    private func authorizer(
        _ acls: [AclBinding], enabled: Bool = true, allowEveryone: Bool = false, api: ApiKey = .produce,
        capture: LogCapture = LogCapture(), level: Logger.Level = .trace
    ) -> RequestAuthorizer {
        RequestAuthorizer(
            decision: enabled ? AclAuthorizer(allowEveryoneIfNoAclFound: allowEveryone) : nil, acls: AclCache(acls),
            principal: Self.anonymous, host: "127.0.0.1", api: api, auditLogger: capture.logger(level: level))
    }

    @Test func auditLineIsKafkasWordForWord() {
        #expect(RequestAuthorizer.auditMessage(
            principal: "User:alice", allowed: false, operation: .write, host: "127.0.0.1",
            pattern: ResourcePattern(.topic, "orders"), api: .produce, refCount: 1)
            == "Principal = User:alice is Denied Operation = Write from host = 127.0.0.1 on resource = Topic:LITERAL:orders for request = Produce with resourceRefCount = 1")
        #expect(RequestAuthorizer.auditMessage(
            principal: "User:bob", allowed: true, operation: .describeConfigs, host: "10.0.0.2",
            pattern: ResourcePattern(.transactionalId, "tx"), api: .describeConfigs, refCount: 3)
            == "Principal = User:bob is Allowed Operation = DescribeConfigs from host = 10.0.0.2 on resource = TransactionalId:LITERAL:tx for request = DescribeConfigs with resourceRefCount = 3")
    }

    @Test func denialIsInfoAllowedIsDebugProbesAreTrace() {
        let capture = LogCapture()
        let auth = authorizer([allow(.write, .topic, "orders")], capture: capture)
        #expect(auth.authorize(.write, .topic, "orders"))
        #expect(!auth.authorize(.write, .topic, "payments"))
        #expect(!auth.authorize(.read, .topic, "orders", logIfDenied: false))
        #expect(capture.lines.map(\.level) == [.debug, .info, .trace])
        #expect(capture.lines[1].message.hasPrefix("Principal = User:ANONYMOUS is Denied Operation = Write from host = 127.0.0.1 on resource = Topic:LITERAL:payments"))
    }

    @Test func infoLevelLoggerOnlyWritesDenials() {
        let capture = LogCapture()
        let auth = authorizer([allow(.write, .topic, "orders")], capture: capture, level: .info)
        _ = auth.filterByAuthorized(.write, .topic, ["orders", "payments", "orders"])
        #expect(capture.lines.count == 1)
        #expect(capture.lines.first?.message.hasSuffix("Topic:LITERAL:payments for request = Produce with resourceRefCount = 1") == true)
    }

    @Test func filterChecksEachNameOnceWithItsReferenceCount() {
        let capture = LogCapture()
        let auth = authorizer([], capture: capture)
        #expect(auth.filterByAuthorized(.write, .topic, ["a", "b", "a"]).isEmpty)
        #expect(capture.lines.map(\.message).map { $0.components(separatedBy: " on resource = ")[1] } == [
            "Topic:LITERAL:a for request = Produce with resourceRefCount = 2",
            "Topic:LITERAL:b for request = Produce with resourceRefCount = 1",
        ])
    }

    @Test func withoutAuthorizerEverythingIsAllowedAndNothingLogged() {
        let capture = LogCapture()
        let auth = authorizer([], enabled: false, capture: capture)
        #expect(auth.authorizeCluster(.clusterAction))
        #expect(auth.filterByAuthorized(.read, .topic, ["x", "y"]) == ["x", "y"])
        #expect(auth.authorizeByResourceType(.write, .topic))
        #expect(capture.lines.isEmpty)
    }

    @Test func authorizedOperationsAreThePrincipals() {
        // Without an authorizer, every operation the type supports (Kafka's values for clients asking).
        #expect(authorizer([], enabled: false).authorizedOperations(.topic, "t") == 0b1101_1111_1000)
        #expect(authorizer([], enabled: false).authorizedOperations(.cluster, "kafka-cluster") == 0b1_1111_1010_0000)
        #expect(authorizer([], enabled: false).authorizedOperations(.group, "g") == 0b1_0100_1000)
        // READ implies DESCRIBE: bits 3 and 8; the probes are not logged above TRACE.
        let capture = LogCapture()
        let auth = authorizer([allow(.read, .topic, "t")], capture: capture)
        #expect(auth.authorizedOperations(.topic, "t") == (1 << 3) | (1 << 8))
        #expect(capture.lines.allSatisfy { $0.level == .trace })
    }

    @Test func literalDenyBeatsPrefixedAllow() {
        let auth = authorizer([allow(.write, .topic, "acme-", .prefixed), allow(.write, .topic, "acme-secret", .literal, .deny)])
        #expect(auth.filterByAuthorized(.write, .topic, ["acme-open", "acme-secret", "other"]) == ["acme-open"])
    }

    @Test func hostsAreMatchedAgainstTheClientAddress() {
        let auth = authorizer([allow(.clusterAction, .cluster, "kafka-cluster", host: "127.0.0.2")])
        #expect(!auth.authorizeCluster(.clusterAction))
        let other = authorizer([allow(.clusterAction, .cluster, "kafka-cluster", host: "127.0.0.1")])
        #expect(other.authorizeCluster(.clusterAction))
    }

    @Test func listingAllTopicsHidesTheUndescribableWithoutLoggingThem() {
        let capture = LogCapture()
        let auth = authorizer([allow(.describe, .topic, "seen"), allow(.write, .topic, "written")], api: .metadata, capture: capture, level: .info)
        let visible = BrokerApis.metadataVisibility(
            ["seen", "written", "hidden"], allTopics: true, autoCreate: false, exists: { _ in true }, auth: auth)
        #expect(visible.authorized == ["seen", "written"])
        #expect(visible.refused.isEmpty)
        #expect(capture.lines.isEmpty)
    }

    @Test func namedUndescribableTopicsAreRefusedAndLogged() {
        let capture = LogCapture()
        let auth = authorizer([allow(.describe, .topic, "seen")], api: .metadata, capture: capture, level: .info)
        let visible = BrokerApis.metadataVisibility(
            ["seen", "hidden"], allTopics: false, autoCreate: false, exists: { _ in true }, auth: auth)
        #expect(visible.authorized == ["seen"])
        #expect(visible.refused == ["hidden"])
        #expect(capture.lines.map(\.message) == [
            "Principal = User:ANONYMOUS is Denied Operation = Describe from host = 127.0.0.1 on resource = Topic:LITERAL:hidden for request = Metadata with resourceRefCount = 1",
        ])
    }

    @Test func autoCreationNeedsCreateOnTheClusterOrTheTopic() {
        let missing: (String) -> Bool = { $0 == "existing" }
        let describeAll = allow(.describe, .topic, "*")
        let topicCreate = authorizer([describeAll, allow(.create, .topic, "new-ok")])
        let visible = BrokerApis.metadataVisibility(
            ["existing", "new-ok", "new-refused"], allTopics: false, autoCreate: true, exists: missing, auth: topicCreate)
        #expect(visible.authorized == ["existing", "new-ok"])
        #expect(visible.refused == ["new-refused"])
        let clusterCreate = authorizer([describeAll, allow(.create, .cluster, "kafka-cluster")])
        #expect(BrokerApis.metadataVisibility(
            ["new-a", "new-b"], allTopics: false, autoCreate: true, exists: missing, auth: clusterCreate).refused.isEmpty)
        // Without auto-creation a missing topic is only described (UNKNOWN_TOPIC_OR_PARTITION later), not refused.
        #expect(BrokerApis.metadataVisibility(
            ["new-refused"], allTopics: false, autoCreate: false, exists: missing, auth: topicCreate).refused.isEmpty)
    }

    @Test func configResourcesAreTheClustersOrTheTopics() {
        let auth = authorizer([allow(.describeConfigs, .topic, "t")])
        #expect(auth.configResourceRefusal(.describeConfigs, type: ConfigResourceType.topic, name: "t") == nil)
        #expect(auth.configResourceRefusal(.describeConfigs, type: ConfigResourceType.topic, name: "u") == .topicAuthorizationFailed)
        #expect(auth.configResourceRefusal(.describeConfigs, type: ConfigResourceType.broker, name: "0") == .clusterAuthorizationFailed)
        #expect(auth.configResourceRefusal(.alterConfigs, type: ConfigResourceType.brokerLogger, name: "0") == .clusterAuthorizationFailed)
    }

    private func produceRequest(transactional: Bool, acks: Int16 = -1) -> ProduceRequest {
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000, producerId: 7, producerEpoch: 0, baseSequence: 0)
        builder.append(key: nil, value: Array("v".utf8))
        var bytes = builder.build()
        if transactional { bytes[22] |= 0x10 }  // attributes (int16 at 21): bit 4, isTransactional
        return ProduceRequest(
            transactionalId: transactional ? "tx" : nil, acks: acks, timeoutMs: 1000,
            topicData: [.init(name: "orders", partitionData: [
                .init(index: 0, records: .bytes(ByteBuffer(bytes: bytes))), .init(index: 1, records: nil),
            ])])
    }

    @Test func transactionalBatchesAreRecognizedByTheirFirstBatch() {
        #expect(BrokerApis.hasTransactionalRecords(produceRequest(transactional: true)))
        #expect(!BrokerApis.hasTransactionalRecords(produceRequest(transactional: false)))
    }

    @Test func aWholeProduceRefusalNamesEveryPartitionWithoutAMessage() {
        guard case .respond(let response) = BrokerApis.wholeProduceError(
            produceRequest(transactional: true), .transactionalIdAuthorizationFailed)
        else {
            Issue.record("expected a response")
            return
        }
        let partitions = response.responses.flatMap(\.partitionResponses)
        #expect(partitions.map(\.index) == [0, 1])
        #expect(partitions.allSatisfy {
            $0.errorCode == ErrorCode.transactionalIdAuthorizationFailed.rawValue && $0.baseOffset == -1 && $0.errorMessage == nil
        })
        guard case .close = BrokerApis.wholeProduceError(produceRequest(transactional: true, acks: 0), .transactionalIdAuthorizationFailed)
        else {
            Issue.record("acks=0 gets no answer: the connection closes")
            return
        }
    }
}
