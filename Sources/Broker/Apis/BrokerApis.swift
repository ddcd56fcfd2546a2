import Coordination
import KafkaProtocol
import Logging
import Storage

/// The broker's API handlers (Kafka's `KafkaApis`): one method per API, in extensions by API family, each turning
/// a decoded request into its response through `ReplicaManager`, `MetadataCache` and ZooKeeper.
struct BrokerApis: Sendable {
    struct Settings: Sendable {
        var brokerId: Int32
        var clusterId: String
        var autoCreateTopics: Bool
        var defaultPartitions: Int32
        var defaultReplicationFactor: Int16
        var deleteTopicEnable: Bool
        var fetchMaxBytes: Int
        /// Send fetched records with sendfile (`zero.copy.fetch.enable`), or copy them into the response.
        var zeroCopyFetch: Bool
    }

    let settings: Settings
    let replicaManager: ReplicaManager
    let metadataCache: MetadataCache
    /// The session changes after an expiry, so admin requests ask for the current one each time.
    let zkSession: CurrentZkSession
    let producerIds: ProducerIdManager
    let groupCoordinator: GroupCoordinator
    /// Transactional ids' coordinator (InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn,
    /// EndTxn).
    let transactionCoordinator: TransactionCoordinator
    /// The configuration in force, with the dynamic broker configs (DescribeConfigs, AlterConfigs).
    let brokerConfig: DynamicBrokerConfig
    /// Admits LeaderAndIsr, UpdateMetadata and StopReplica only from the current controller, for this registration.
    let controllerGuard: ControllerRequestGuard
    let logger: Logger
    /// The ACL authorizer when `authorizer.class.name` names one; nil answers the ACL APIs SECURITY_DISABLED.
    var aclAuthorizer: ZkAclAuthorizer? = nil
    /// Fetch sessions (KIP-227), `max.incremental.fetch.session.cache.slots` of them.
    var fetchSessions = FetchManager()

    var admin: AdminZkClient {
        AdminZkClient(zk: zkSession.zk, logger: logger, replicaLimit: replicaLimit)
    }

    /// New partitions stop where this broker's descriptor budget stops taking new logs.
    var replicaLimit: BrokerReplicaLimit {
        let ceiling = FileDescriptorBudget.process.ceiling(for: .newConsumer)
        return BrokerReplicaLimit(maxReplicasPerBroker: ceiling) { [metadataCache] in
            metadataCache.replicaCountsByBroker()
        }
    }

    /// Every API this broker serves, with the versions it advertises.
    var routes: [ApiRoute] {
        [
            .route(ApiVersionsRequest.self) { request, context in apiVersions(request, context) },
            .route(MetadataRequest.self) { request, context in await metadata(request, context) },
            // Versions below carry magic 0/1 message sets, which Gregor does not store or convert (Kafka 4 dropped
            // them too); every named client speaks the newer ones.
            .routeWithOutcome(ProduceRequest.self, versions: 3...9) { request, context in await produce(request, context) },
            .route(FetchRequest.self, versions: 4...12) { request, context in await fetch(request, context) },
            .route(ListOffsetsRequest.self) { request, context in await listOffsets(request, context) },
            .route(OffsetForLeaderEpochRequest.self) { request, context in offsetForLeaderEpoch(request, context) },
            .route(InitProducerIdRequest.self) { request, context in await initProducerId(request, context) },
            .route(FindCoordinatorRequest.self) { request, context in findCoordinator(request, context) },
            .route(AddPartitionsToTxnRequest.self) { request, context in await addPartitionsToTxn(request, context) },
            .route(AddOffsetsToTxnRequest.self) { request, context in await addOffsetsToTxn(request, context) },
            .route(EndTxnRequest.self) { request, context in await endTxn(request, context) },
            .route(WriteTxnMarkersRequest.self) { request, context in await writeTxnMarkers(request, context) },
            .route(TxnOffsetCommitRequest.self) { request, context in await txnOffsetCommit(request, context) },
            .route(DescribeProducersRequest.self) { request, context in describeProducers(request, context) },
            .route(JoinGroupRequest.self) { request, context in await joinGroup(request, context) },
            .route(SyncGroupRequest.self) { request, context in await syncGroup(request, context) },
            .route(HeartbeatRequest.self) { request, context in await heartbeat(request, context) },
            .route(LeaveGroupRequest.self) { request, context in await leaveGroup(request, context) },
            .route(OffsetCommitRequest.self) { request, context in await offsetCommit(request, context) },
            .route(OffsetFetchRequest.self) { request, context in await offsetFetch(request, context) },
            .route(OffsetDeleteRequest.self) { request, context in await offsetDelete(request, context) },
            .route(ListGroupsRequest.self) { request, context in await listGroups(request, context) },
            .route(DescribeGroupsRequest.self) { request, context in await describeGroups(request, context) },
            .route(DeleteGroupsRequest.self) { request, context in await deleteGroups(request, context) },
            .route(CreateTopicsRequest.self) { request, context in await createTopics(request, context) },
            .route(DeleteTopicsRequest.self) { request, context in await deleteTopics(request, context) },
            .route(CreatePartitionsRequest.self) { request, context in await createPartitions(request, context) },
            .route(DescribeConfigsRequest.self) { request, context in await describeConfigs(request, context) },
            .route(DeleteRecordsRequest.self) { request, context in await deleteRecords(request, context) },
            .route(DescribeLogDirsRequest.self) { request, context in await describeLogDirs(request, context) },
            .route(AlterReplicaLogDirsRequest.self) { request, context in await alterReplicaLogDirs(request, context) },
            .route(DescribeClusterRequest.self) { request, context in describeCluster(request, context) },
            .route(AlterConfigsRequest.self) { request, context in await alterConfigs(request, context) },
            .route(IncrementalAlterConfigsRequest.self) { request, context in await incrementalAlterConfigs(request, context) },
            .route(LeaderAndIsrRequest.self) { request, context in await leaderAndIsr(request, context) },
            .route(UpdateMetadataRequest.self) { request, context in await updateMetadata(request, context) },
            .route(StopReplicaRequest.self) { request, context in await stopReplica(request, context) },
            .route(ControlledShutdownRequest.self) { request, context in await controlledShutdown(request, context) },
            .route(ElectLeadersRequest.self) { request, context in await electLeaders(request, context) },
            .route(AlterPartitionReassignmentsRequest.self) { request, context in await alterPartitionReassignments(request, context) },
            .route(ListPartitionReassignmentsRequest.self) { request, context in await listPartitionReassignments(request, context) },
            .route(DescribeAclsRequest.self) { request, context in describeAcls(request, context) },
            .route(CreateAclsRequest.self) { request, context in await createAcls(request, context) },
            .route(DeleteAclsRequest.self) { request, context in await deleteAcls(request, context) },
            .route(DescribeUserScramCredentialsRequest.self) { request, context in await describeUserScramCredentials(request, context) },
            .route(AlterUserScramCredentialsRequest.self) { request, context in await alterUserScramCredentials(request, context) },
            .route(SaslHandshakeRequest.self) { request, context in saslHandshake(request, context) },
            .route(SaslAuthenticateRequest.self) { request, context in saslAuthenticate(request, context) },
        ]
    }
}
