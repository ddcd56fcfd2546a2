/// A Kafka API key (`int16 api_key` in every request header), naming which request a frame carries.
///
/// A struct rather than an enum because a client may send a key this broker does not know (a newer API): it must
/// still be representable so the broker can answer or log it. The named keys are Kafka 2.8's
/// (`clients/src/main/java/org/apache/kafka/common/protocol/ApiKeys.java`), 0 through 60; key 56 is still called
/// `AlterIsr` in 2.8 (it became `AlterPartition` later).
public struct ApiKey: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    public static let produce = ApiKey(rawValue: 0)
    public static let fetch = ApiKey(rawValue: 1)
    public static let listOffsets = ApiKey(rawValue: 2)
    public static let metadata = ApiKey(rawValue: 3)
    public static let leaderAndIsr = ApiKey(rawValue: 4)
    public static let stopReplica = ApiKey(rawValue: 5)
    public static let updateMetadata = ApiKey(rawValue: 6)
    public static let controlledShutdown = ApiKey(rawValue: 7)
    public static let offsetCommit = ApiKey(rawValue: 8)
    public static let offsetFetch = ApiKey(rawValue: 9)
    public static let findCoordinator = ApiKey(rawValue: 10)
    public static let joinGroup = ApiKey(rawValue: 11)
    public static let heartbeat = ApiKey(rawValue: 12)
    public static let leaveGroup = ApiKey(rawValue: 13)
    public static let syncGroup = ApiKey(rawValue: 14)
    public static let describeGroups = ApiKey(rawValue: 15)
    public static let listGroups = ApiKey(rawValue: 16)
    public static let saslHandshake = ApiKey(rawValue: 17)
    public static let apiVersions = ApiKey(rawValue: 18)
    public static let createTopics = ApiKey(rawValue: 19)
    public static let deleteTopics = ApiKey(rawValue: 20)
    public static let deleteRecords = ApiKey(rawValue: 21)
    public static let initProducerId = ApiKey(rawValue: 22)
    public static let offsetForLeaderEpoch = ApiKey(rawValue: 23)
    public static let addPartitionsToTxn = ApiKey(rawValue: 24)
    public static let addOffsetsToTxn = ApiKey(rawValue: 25)
    public static let endTxn = ApiKey(rawValue: 26)
    public static let writeTxnMarkers = ApiKey(rawValue: 27)
    public static let txnOffsetCommit = ApiKey(rawValue: 28)
    public static let describeAcls = ApiKey(rawValue: 29)
    public static let createAcls = ApiKey(rawValue: 30)
    public static let deleteAcls = ApiKey(rawValue: 31)
    public static let describeConfigs = ApiKey(rawValue: 32)
    public static let alterConfigs = ApiKey(rawValue: 33)
    public static let alterReplicaLogDirs = ApiKey(rawValue: 34)
    public static let describeLogDirs = ApiKey(rawValue: 35)
    public static let saslAuthenticate = ApiKey(rawValue: 36)
    public static let createPartitions = ApiKey(rawValue: 37)
    public static let createDelegationToken = ApiKey(rawValue: 38)
    public static let renewDelegationToken = ApiKey(rawValue: 39)
    public static let expireDelegationToken = ApiKey(rawValue: 40)
    public static let describeDelegationToken = ApiKey(rawValue: 41)
    public static let deleteGroups = ApiKey(rawValue: 42)
    public static let electLeaders = ApiKey(rawValue: 43)
    public static let incrementalAlterConfigs = ApiKey(rawValue: 44)
    public static let alterPartitionReassignments = ApiKey(rawValue: 45)
    public static let listPartitionReassignments = ApiKey(rawValue: 46)
    public static let offsetDelete = ApiKey(rawValue: 47)
    public static let describeClientQuotas = ApiKey(rawValue: 48)
    public static let alterClientQuotas = ApiKey(rawValue: 49)
    public static let describeUserScramCredentials = ApiKey(rawValue: 50)
    public static let alterUserScramCredentials = ApiKey(rawValue: 51)
    public static let vote = ApiKey(rawValue: 52)
    public static let beginQuorumEpoch = ApiKey(rawValue: 53)
    public static let endQuorumEpoch = ApiKey(rawValue: 54)
    public static let describeQuorum = ApiKey(rawValue: 55)
    public static let alterIsr = ApiKey(rawValue: 56)
    public static let updateFeatures = ApiKey(rawValue: 57)
    public static let envelope = ApiKey(rawValue: 58)
    public static let fetchSnapshot = ApiKey(rawValue: 59)
    public static let describeCluster = ApiKey(rawValue: 60)
    public static let describeProducers = ApiKey(rawValue: 61)

    /// Kafka's name for the key (`ApiKeys.name` in upper camel case, as in the protocol guide), or nil if unknown.
    public var name: String? {
        guard rawValue >= 0, Int(rawValue) < Self.names.count else { return nil }
        return Self.names[Int(rawValue)]
    }

    /// `Name(key)`, or `Unknown(key)` for keys this build does not know.
    public var description: String {
        "\(name ?? "Unknown")(\(rawValue))"
    }

    /// Every key this build names, in key order.
    public static var allKnown: [ApiKey] {
        names.indices.map { ApiKey(rawValue: Int16($0)) }
    }

    private static let names: [String] = [
        "Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr", "StopReplica", "UpdateMetadata",
        "ControlledShutdown", "OffsetCommit", "OffsetFetch", "FindCoordinator", "JoinGroup", "Heartbeat",
        "LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics",
        "DeleteTopics", "DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch", "AddPartitionsToTxn",
        "AddOffsetsToTxn", "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit", "DescribeAcls", "CreateAcls",
        "DeleteAcls", "DescribeConfigs", "AlterConfigs", "AlterReplicaLogDirs", "DescribeLogDirs",
        "SaslAuthenticate", "CreatePartitions", "CreateDelegationToken", "RenewDelegationToken",
        "ExpireDelegationToken", "DescribeDelegationToken", "DeleteGroups", "ElectLeaders", "IncrementalAlterConfigs",
        "AlterPartitionReassignments", "ListPartitionReassignments", "OffsetDelete", "DescribeClientQuotas",
        "AlterClientQuotas", "DescribeUserScramCredentials", "AlterUserScramCredentials", "Vote", "BeginQuorumEpoch",
        "EndQuorumEpoch", "DescribeQuorum", "AlterIsr", "UpdateFeatures", "Envelope", "FetchSnapshot",
        "DescribeCluster", "DescribeProducers",
    ]
}
