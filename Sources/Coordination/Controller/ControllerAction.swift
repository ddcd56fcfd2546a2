import KafkaProtocol
import Logging

/// What the controller's state machine asks its driver to do. Everything but `.zooKeeper` is fire-and-forget and
/// performed in order; a `.zooKeeper` request is always the last action of a list, and the state machine waits for
/// its answer (`ControllerStateMachine.resume`) before it decides anything else.
enum ControllerAction: Sendable, Equatable {
    case zooKeeper(ControllerZkRequest)
    /// Queue a request to a live broker (dropped if the broker has no queue).
    case send(ControllerRequest, to: Int32)
    /// Start the queue of a broker that joined (or re-registered), stop the queue of one that left.
    case connect(BrokerAndEpoch)
    case disconnect(Int32)
    /// Watch `/brokers/topics/<t>` for added partitions (an event `.partitionModifications`), or stop watching.
    case watchTopic(String)
    case unwatchTopic(String)
    case log(Logger.Level, String)
    /// Answers the request that came with event `reply`.
    case reply(ControllerReplyID, ControllerReply)
    /// This term cannot go on (a failover that did not complete): the driver stops and the broker resigns.
    case endTerm(String)
}

/// The ZooKeeper reads and writes the controller needs. The driver performs each with connection losses ridden
/// out, every write fenced by the controller epoch's zkVersion, and many partitions pipelined.
enum ControllerZkRequest: Sendable, Equatable {
    case liveBrokers
    case allTopics
    case topicAssignments([String])
    case partitionStates([TopicPartition])
    case topicConfigs([String])
    case topicDeletions
    /// The ISR change notifications: their names and contents (nil for one that vanished meanwhile).
    case isrChangeNotifications
    /// Group names under `/consumers` (their offsets of a deleted topic go with it).
    case consumerGroups
    /// Creates state znodes (and parents); a znode that already exists and is not this controller's is refused.
    case createPartitionStates([PartitionStateCreation])
    /// Conditional writes on `LeaderAndIsr.zkVersion`.
    case updatePartitionStates([PartitionStateUpdate])
    case setTopicAssignment(TopicZNode)
    /// Deletes each path with everything below it; absent paths are fine.
    case deleteRecursively([String])
    /// `/admin/reassign_partitions` (nil when absent).
    case reassignPartitions
    /// Rewrites `/admin/reassign_partitions`, deleting it when empty.
    case setReassignPartitions([TopicPartition: [Int32]])
}

struct PartitionStateCreation: Sendable, Equatable {
    var partition: TopicPartition
    var state: LeaderIsrAndControllerEpoch
}

struct PartitionStateUpdate: Sendable, Equatable {
    var partition: TopicPartition
    var leaderAndIsr: LeaderAndIsr
}

/// A conditional write's result.
enum PartitionStateUpdateOutcome: Sendable, Equatable {
    case updated(zkVersion: Int32)
    /// Someone (the partition's leader, changing the ISR) wrote the znode since it was read: re-read, retry.
    case badVersion
    case noNode
}

/// The answer to a `ControllerZkRequest`, in the order of the request's items.
enum ControllerZkResult: Sendable {
    case liveBrokers([BrokerAndEpoch])
    /// Topics, topics queued for deletion, or groups.
    case names([String])
    /// nil where the topic's znode is gone; `.failure` where it cannot be parsed.
    case topicAssignments([(String, Result<TopicZNode?, ZkDataError>)])
    case partitionStates([(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)])
    /// Each topic's overrides (empty where it has none); `.failure` where they cannot be parsed.
    case topicConfigs([String: Result<[String: String], ZkDataError>])
    case isrChangeNotifications([(name: String, data: [UInt8]?)])
    /// `/admin/reassign_partitions`: nil when absent, `.failure` when it cannot be parsed.
    case reassignPartitions(Result<[TopicPartition: [Int32]]?, ZkDataError>)
    /// The created state (with its zkVersion), or nil where a foreign state znode was there.
    case created([(TopicPartition, LeaderIsrAndControllerEpoch?)])
    case updated([(TopicPartition, PartitionStateUpdateOutcome)])
    case done
    /// The request failed for a reason that does not end the term (the driver says why).
    case failed(String)
}
