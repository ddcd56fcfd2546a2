/// A Kafka protocol error code, as carried in every response (`int16 error_code`).
///
/// A struct rather than an enum because the wire can carry codes this build does not know (a newer peer): they
/// round-trip unchanged through `rawValue`. The named codes and their retriability are Kafka 2.8's
/// (`clients/src/main/java/org/apache/kafka/common/protocol/Errors.java` at tag 2.8.2): a code is retriable when
/// Kafka's exception for it extends `RetriableException`, which is what clients use to decide whether to retry.
/// Names are Kafka's, in lower camel case, so `NOT_LEADER_OR_FOLLOWER` is `.notLeaderOrFollower`; Kafka's
/// `NONE` is `.noError` so that it never collides with `Optional.none`.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Error {
    public let rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Whether a client may retry the request unchanged and expect it to succeed later (Kafka's
    /// `RetriableException` hierarchy). Unknown codes are not retriable.
    public var isRetriable: Bool {
        Self.retriableCodes.contains(rawValue)
    }

    private static let retriableCodes: Set<Int16> = [
        2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 56,
        70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103,
    ]

    /// `UNKNOWN_SERVER_ERROR` (-1): The server experienced an unexpected error when processing the request.
    public static let unknownServerError = ErrorCode(rawValue: -1)
    /// `NONE` (0): No error.
    public static let noError = ErrorCode(rawValue: 0)
    /// `OFFSET_OUT_OF_RANGE` (1): The requested offset is not within the range of offsets maintained by the server.
    public static let offsetOutOfRange = ErrorCode(rawValue: 1)
    /// `CORRUPT_MESSAGE` (2): This message has failed its CRC checksum, exceeds the valid size, has a null key for
    /// a compacted topic, or is otherwise corrupt. Retriable.
    public static let corruptMessage = ErrorCode(rawValue: 2)
    /// `UNKNOWN_TOPIC_OR_PARTITION` (3): This server does not host this topic-partition. Retriable.
    public static let unknownTopicOrPartition = ErrorCode(rawValue: 3)
    /// `INVALID_FETCH_SIZE` (4): The requested fetch size is invalid.
    public static let invalidFetchSize = ErrorCode(rawValue: 4)
    /// `LEADER_NOT_AVAILABLE` (5): There is no leader for this topic-partition as we are in the middle of a
    /// leadership election. Retriable.
    public static let leaderNotAvailable = ErrorCode(rawValue: 5)
    /// `NOT_LEADER_OR_FOLLOWER` (6): For requests intended only for the leader, this error indicates that the
    /// broker is not the current leader. For requests intended for any replica, this error indicates that the
    /// broker is not a replica of the topic partition. Retriable.
    public static let notLeaderOrFollower = ErrorCode(rawValue: 6)
    /// `REQUEST_TIMED_OUT` (7): The request timed out. Retriable.
    public static let requestTimedOut = ErrorCode(rawValue: 7)
    /// `BROKER_NOT_AVAILABLE` (8): The broker is not available.
    public static let brokerNotAvailable = ErrorCode(rawValue: 8)
    /// `REPLICA_NOT_AVAILABLE` (9): The replica is not available for the requested topic-partition. Produce/Fetch
    /// requests and other requests intended only for the leader or follower return NOT_LEADER_OR_FOLLOWER if the
    /// broker is not a replica of the topic-partition. Retriable.
    public static let replicaNotAvailable = ErrorCode(rawValue: 9)
    /// `MESSAGE_TOO_LARGE` (10): The request included a message larger than the max message size the server will
    /// accept.
    public static let messageTooLarge = ErrorCode(rawValue: 10)
    /// `STALE_CONTROLLER_EPOCH` (11): The controller moved to another broker.
    public static let staleControllerEpoch = ErrorCode(rawValue: 11)
    /// `OFFSET_METADATA_TOO_LARGE` (12): The metadata field of the offset request was too large.
    public static let offsetMetadataTooLarge = ErrorCode(rawValue: 12)
    /// `NETWORK_EXCEPTION` (13): The server disconnected before a response was received. Retriable.
    public static let networkException = ErrorCode(rawValue: 13)
    /// `COORDINATOR_LOAD_IN_PROGRESS` (14): The coordinator is loading and hence can't process requests. Retriable.
    public static let coordinatorLoadInProgress = ErrorCode(rawValue: 14)
    /// `COORDINATOR_NOT_AVAILABLE` (15): The coordinator is not available. Retriable.
    public static let coordinatorNotAvailable = ErrorCode(rawValue: 15)
    /// `NOT_COORDINATOR` (16): This is not the correct coordinator. Retriable.
    public static let notCoordinator = ErrorCode(rawValue: 16)
    /// `INVALID_TOPIC_EXCEPTION` (17): The request attempted to perform an operation on an invalid topic.
    public static let invalidTopicException = ErrorCode(rawValue: 17)
    /// `RECORD_LIST_TOO_LARGE` (18): The request included message batch larger than the configured segment size on
    /// the server.
    public static let recordListTooLarge = ErrorCode(rawValue: 18)
    /// `NOT_ENOUGH_REPLICAS` (19): Messages are rejected since there are fewer in-sync replicas than required.
    /// Retriable.
    public static let notEnoughReplicas = ErrorCode(rawValue: 19)
    /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (20): Messages are written to the log, but to fewer in-sync replicas than
    /// required. Retriable.
    public static let notEnoughReplicasAfterAppend = ErrorCode(rawValue: 20)
    /// `INVALID_REQUIRED_ACKS` (21): Produce request specified an invalid value for required acks.
    public static let invalidRequiredAcks = ErrorCode(rawValue: 21)
    /// `ILLEGAL_GENERATION` (22): Specified group generation id is not valid.
    public static let illegalGeneration = ErrorCode(rawValue: 22)
    /// `INCONSISTENT_GROUP_PROTOCOL` (23): The group member's supported protocols are incompatible with those of
    /// existing members or first group member tried to join with empty protocol type or empty protocol list.
    public static let inconsistentGroupProtocol = ErrorCode(rawValue: 23)
    /// `INVALID_GROUP_ID` (24): The configured groupId is invalid.
    public static let invalidGroupId = ErrorCode(rawValue: 24)
    /// `UNKNOWN_MEMBER_ID` (25): The coordinator is not aware of this member.
    public static let unknownMemberId = ErrorCode(rawValue: 25)
    /// `INVALID_SESSION_TIMEOUT` (26): The session timeout is not within the range allowed by the broker (as
    /// configured by group.min.session.timeout.ms and group.max.session.timeout.ms).
    public static let invalidSessionTimeout = ErrorCode(rawValue: 26)
    /// `REBALANCE_IN_PROGRESS` (27): The group is rebalancing, so a rejoin is needed.
    public static let rebalanceInProgress = ErrorCode(rawValue: 27)
    /// `INVALID_COMMIT_OFFSET_SIZE` (28): The committing offset data size is not valid.
    public static let invalidCommitOffsetSize = ErrorCode(rawValue: 28)
    /// `TOPIC_AUTHORIZATION_FAILED` (29): Topic authorization failed.
    public static let topicAuthorizationFailed = ErrorCode(rawValue: 29)
    /// `GROUP_AUTHORIZATION_FAILED` (30): Group authorization failed.
    public static let groupAuthorizationFailed = ErrorCode(rawValue: 30)
    /// `CLUSTER_AUTHORIZATION_FAILED` (31): Cluster authorization failed.
    public static let clusterAuthorizationFailed = ErrorCode(rawValue: 31)
    /// `INVALID_TIMESTAMP` (32): The timestamp of the message is out of acceptable range.
    public static let invalidTimestamp = ErrorCode(rawValue: 32)
    /// `UNSUPPORTED_SASL_MECHANISM` (33): The broker does not support the requested SASL mechanism.
    public static let unsupportedSaslMechanism = ErrorCode(rawValue: 33)
    /// `ILLEGAL_SASL_STATE` (34): Request is not valid given the current SASL state.
    public static let illegalSaslState = ErrorCode(rawValue: 34)
    /// `UNSUPPORTED_VERSION` (35): The version of API is not supported.
    public static let unsupportedVersion = ErrorCode(rawValue: 35)
    /// `TOPIC_ALREADY_EXISTS` (36): Topic with this name already exists.
    public static let topicAlreadyExists = ErrorCode(rawValue: 36)
    /// `INVALID_PARTITIONS` (37): Number of partitions is below 1.
    public static let invalidPartitions = ErrorCode(rawValue: 37)
    /// `INVALID_REPLICATION_FACTOR` (38): Replication factor is below 1 or larger than the number of available brokers.
    public static let invalidReplicationFactor = ErrorCode(rawValue: 38)
    /// `INVALID_REPLICA_ASSIGNMENT` (39): Replica assignment is invalid.
    public static let invalidReplicaAssignment = ErrorCode(rawValue: 39)
    /// `INVALID_CONFIG` (40): Configuration is invalid.
    public static let invalidConfig = ErrorCode(rawValue: 40)
    /// `NOT_CONTROLLER` (41): This is not the correct controller for this cluster. Retriable.
    public static let notController = ErrorCode(rawValue: 41)
    /// `INVALID_REQUEST` (42): This most likely occurs because of a request being malformed by the client library
    /// or the message was sent to an incompatible broker. See the broker logs for more details.
    public static let invalidRequest = ErrorCode(rawValue: 42)
    /// `UNSUPPORTED_FOR_MESSAGE_FORMAT` (43): The message format version on the broker does not support the request.
    public static let unsupportedForMessageFormat = ErrorCode(rawValue: 43)
    /// `POLICY_VIOLATION` (44): Request parameters do not satisfy the configured policy.
    public static let policyViolation = ErrorCode(rawValue: 44)
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER` (45): The broker received an out of order sequence number.
    public static let outOfOrderSequenceNumber = ErrorCode(rawValue: 45)
    /// `DUPLICATE_SEQUENCE_NUMBER` (46): The broker received a duplicate sequence number.
    public static let duplicateSequenceNumber = ErrorCode(rawValue: 46)
    /// `INVALID_PRODUCER_EPOCH` (47): Producer attempted to produce with an old epoch.
    public static let invalidProducerEpoch = ErrorCode(rawValue: 47)
    /// `INVALID_TXN_STATE` (48): The producer attempted a transactional operation in an invalid state.
    public static let invalidTxnState = ErrorCode(rawValue: 48)
    /// `INVALID_PRODUCER_ID_MAPPING` (49): The producer attempted to use a producer id which is not currently
    /// assigned to its transactional id.
    public static let invalidProducerIdMapping = ErrorCode(rawValue: 49)
    /// `INVALID_TRANSACTION_TIMEOUT` (50): The transaction timeout is larger than the maximum value allowed by the
    /// broker (as configured by transaction.max.timeout.ms).
    public static let invalidTransactionTimeout = ErrorCode(rawValue: 50)
    /// `CONCURRENT_TRANSACTIONS` (51): The producer attempted to update a transaction while another concurrent
    /// operation on the same transaction was ongoing.
    public static let concurrentTransactions = ErrorCode(rawValue: 51)
    /// `TRANSACTION_COORDINATOR_FENCED` (52): Indicates that the transaction coordinator sending a WriteTxnMarker
    /// is no longer the current coordinator for a given producer.
    public static let transactionCoordinatorFenced = ErrorCode(rawValue: 52)
    /// `TRANSACTIONAL_ID_AUTHORIZATION_FAILED` (53): Transactional Id authorization failed.
    public static let transactionalIdAuthorizationFailed = ErrorCode(rawValue: 53)
    /// `SECURITY_DISABLED` (54): Security features are disabled.
    public static let securityDisabled = ErrorCode(rawValue: 54)
    /// `OPERATION_NOT_ATTEMPTED` (55): The broker did not attempt to execute this operation. This may happen for
    /// batched RPCs where some operations in the batch failed, causing the broker to respond without trying the
    /// rest.
    public static let operationNotAttempted = ErrorCode(rawValue: 55)
    /// `KAFKA_STORAGE_ERROR` (56): Disk error when trying to access log file on the disk. Retriable.
    public static let kafkaStorageError = ErrorCode(rawValue: 56)
    /// `LOG_DIR_NOT_FOUND` (57): The user-specified log directory is not found in the broker config.
    public static let logDirNotFound = ErrorCode(rawValue: 57)
    /// `SASL_AUTHENTICATION_FAILED` (58): SASL Authentication failed.
    public static let saslAuthenticationFailed = ErrorCode(rawValue: 58)
    /// `UNKNOWN_PRODUCER_ID` (59): This exception is raised by the broker if it could not locate the producer
    /// metadata associated with the producerId in question. This could happen if, for instance, the producer's
    /// records were deleted because their retention time had elapsed. Once the last records of the producerId are
    /// removed, the producer's metadata is removed from the broker, and future appends by the producer will return
    /// this exception.
    public static let unknownProducerId = ErrorCode(rawValue: 59)
    /// `REASSIGNMENT_IN_PROGRESS` (60): A partition reassignment is in progress.
    public static let reassignmentInProgress = ErrorCode(rawValue: 60)
    /// `DELEGATION_TOKEN_AUTH_DISABLED` (61): Delegation Token feature is not enabled.
    public static let delegationTokenAuthDisabled = ErrorCode(rawValue: 61)
    /// `DELEGATION_TOKEN_NOT_FOUND` (62): Delegation Token is not found on server.
    public static let delegationTokenNotFound = ErrorCode(rawValue: 62)
    /// `DELEGATION_TOKEN_OWNER_MISMATCH` (63): Specified Principal is not valid Owner/Renewer.
    public static let delegationTokenOwnerMismatch = ErrorCode(rawValue: 63)
    /// `DELEGATION_TOKEN_REQUEST_NOT_ALLOWED` (64): Delegation Token requests are not allowed on PLAINTEXT/1-way
    /// SSL channels and on delegation token authenticated channels.
    public static let delegationTokenRequestNotAllowed = ErrorCode(rawValue: 64)
    /// `DELEGATION_TOKEN_AUTHORIZATION_FAILED` (65): Delegation Token authorization failed.
    public static let delegationTokenAuthorizationFailed = ErrorCode(rawValue: 65)
    /// `DELEGATION_TOKEN_EXPIRED` (66): Delegation Token is expired.
    public static let delegationTokenExpired = ErrorCode(rawValue: 66)
    /// `INVALID_PRINCIPAL_TYPE` (67): Supplied principalType is not supported.
    public static let invalidPrincipalType = ErrorCode(rawValue: 67)
    /// `NON_EMPTY_GROUP` (68): The group is not empty.
    public static let nonEmptyGroup = ErrorCode(rawValue: 68)
    /// `GROUP_ID_NOT_FOUND` (69): The group id does not exist.
    public static let groupIdNotFound = ErrorCode(rawValue: 69)
    /// `FETCH_SESSION_ID_NOT_FOUND` (70): The fetch session ID was not found. Retriable.
    public static let fetchSessionIdNotFound = ErrorCode(rawValue: 70)
    /// `INVALID_FETCH_SESSION_EPOCH` (71): The fetch session epoch is invalid. Retriable.
    public static let invalidFetchSessionEpoch = ErrorCode(rawValue: 71)
    /// `LISTENER_NOT_FOUND` (72): There is no listener on the leader broker that matches the listener on which
    /// metadata request was processed. Retriable.
    public static let listenerNotFound = ErrorCode(rawValue: 72)
    /// `TOPIC_DELETION_DISABLED` (73): Topic deletion is disabled.
    public static let topicDeletionDisabled = ErrorCode(rawValue: 73)
    /// `FENCED_LEADER_EPOCH` (74): The leader epoch in the request is older than the epoch on the broker. Retriable.
    public static let fencedLeaderEpoch = ErrorCode(rawValue: 74)
    /// `UNKNOWN_LEADER_EPOCH` (75): The leader epoch in the request is newer than the epoch on the broker. Retriable.
    public static let unknownLeaderEpoch = ErrorCode(rawValue: 75)
    /// `UNSUPPORTED_COMPRESSION_TYPE` (76): The requesting client does not support the compression type of given
    /// partition.
    public static let unsupportedCompressionType = ErrorCode(rawValue: 76)
    /// `STALE_BROKER_EPOCH` (77): Broker epoch has changed.
    public static let staleBrokerEpoch = ErrorCode(rawValue: 77)
    /// `OFFSET_NOT_AVAILABLE` (78): The leader high watermark has not caught up from a recent leader election so
    /// the offsets cannot be guaranteed to be monotonically increasing. Retriable.
    public static let offsetNotAvailable = ErrorCode(rawValue: 78)
    /// `MEMBER_ID_REQUIRED` (79): The group member needs to have a valid member id before actually entering a
    /// consumer group.
    public static let memberIdRequired = ErrorCode(rawValue: 79)
    /// `PREFERRED_LEADER_NOT_AVAILABLE` (80): The preferred leader was not available. Retriable.
    public static let preferredLeaderNotAvailable = ErrorCode(rawValue: 80)
    /// `GROUP_MAX_SIZE_REACHED` (81): The consumer group has reached its max size.
    public static let groupMaxSizeReached = ErrorCode(rawValue: 81)
    /// `FENCED_INSTANCE_ID` (82): The broker rejected this static consumer since another consumer with the same
    /// group.instance.id has registered with a different member.id.
    public static let fencedInstanceId = ErrorCode(rawValue: 82)
    /// `ELIGIBLE_LEADERS_NOT_AVAILABLE` (83): Eligible topic partition leaders are not available. Retriable.
    public static let eligibleLeadersNotAvailable = ErrorCode(rawValue: 83)
    /// `ELECTION_NOT_NEEDED` (84): Leader election not needed for topic partition. Retriable.
    public static let electionNotNeeded = ErrorCode(rawValue: 84)
    /// `NO_REASSIGNMENT_IN_PROGRESS` (85): No partition reassignment is in progress.
    public static let noReassignmentInProgress = ErrorCode(rawValue: 85)
    /// `GROUP_SUBSCRIBED_TO_TOPIC` (86): Deleting offsets of a topic is forbidden while the consumer group is
    /// actively subscribed to it.
    public static let groupSubscribedToTopic = ErrorCode(rawValue: 86)
    /// `INVALID_RECORD` (87): This record has failed the validation on broker and hence will be rejected.
    public static let invalidRecord = ErrorCode(rawValue: 87)
    /// `UNSTABLE_OFFSET_COMMIT` (88): There are unstable offsets that need to be cleared. Retriable.
    public static let unstableOffsetCommit = ErrorCode(rawValue: 88)
    /// `THROTTLING_QUOTA_EXCEEDED` (89): The throttling quota has been exceeded. Retriable.
    public static let throttlingQuotaExceeded = ErrorCode(rawValue: 89)
    /// `PRODUCER_FENCED` (90): There is a newer producer with the same transactionalId which fences the current one.
    public static let producerFenced = ErrorCode(rawValue: 90)
    /// `RESOURCE_NOT_FOUND` (91): A request illegally referred to a resource that does not exist.
    public static let resourceNotFound = ErrorCode(rawValue: 91)
    /// `DUPLICATE_RESOURCE` (92): A request illegally referred to the same resource twice.
    public static let duplicateResource = ErrorCode(rawValue: 92)
    /// `UNACCEPTABLE_CREDENTIAL` (93): Requested credential would not meet criteria for acceptability.
    public static let unacceptableCredential = ErrorCode(rawValue: 93)
    /// `INCONSISTENT_VOTER_SET` (94): Indicates that the either the sender or recipient of a voter-only request is
    /// not one of the expected voters.
    public static let inconsistentVoterSet = ErrorCode(rawValue: 94)
    /// `INVALID_UPDATE_VERSION` (95): The given update version was invalid.
    public static let invalidUpdateVersion = ErrorCode(rawValue: 95)
    /// `FEATURE_UPDATE_FAILED` (96): Unable to update finalized features due to an unexpected server error.
    public static let featureUpdateFailed = ErrorCode(rawValue: 96)
    /// `PRINCIPAL_DESERIALIZATION_FAILURE` (97): Request principal deserialization failed during forwarding. This
    /// indicates an internal error on the broker cluster security setup.
    public static let principalDeserializationFailure = ErrorCode(rawValue: 97)
    /// `SNAPSHOT_NOT_FOUND` (98): Requested snapshot was not found.
    public static let snapshotNotFound = ErrorCode(rawValue: 98)
    /// `POSITION_OUT_OF_RANGE` (99): Requested position is not greater than or equal to zero, and less than the
    /// size of the snapshot.
    public static let positionOutOfRange = ErrorCode(rawValue: 99)
    /// `UNKNOWN_TOPIC_ID` (100): This server does not host this topic ID. Retriable.
    public static let unknownTopicId = ErrorCode(rawValue: 100)
    /// `DUPLICATE_BROKER_REGISTRATION` (101): This broker ID is already in use.
    public static let duplicateBrokerRegistration = ErrorCode(rawValue: 101)
    /// `BROKER_ID_NOT_REGISTERED` (102): The given broker ID was not registered.
    public static let brokerIdNotRegistered = ErrorCode(rawValue: 102)
    /// `INCONSISTENT_TOPIC_ID` (103): The log's topic ID did not match the topic ID in the request. Retriable.
    public static let inconsistentTopicId = ErrorCode(rawValue: 103)
    /// `INCONSISTENT_CLUSTER_ID` (104): The clusterId in the request does not match that found on the server.
    public static let inconsistentClusterId = ErrorCode(rawValue: 104)
}
