import KafkaProtocol
import Logging
import ZooKeeper

/// Topic administration through ZooKeeper, as a Kafka broker does it for CreateTopics, CreatePartitions and
/// DeleteTopics (Kafka's `AdminZkClient` with the checks of `ZkAdminManager`). It only writes what the controller
/// reacts to: `/config/topics/<t>` and `/brokers/topics/<t>` for creation, `/admin/delete_topics/<t>` for deletion.
///
/// Refusals are `AdminError`s with Kafka's error code and message; ZooKeeper failures are thrown as they are (the
/// broker answers those with UNKNOWN_SERVER_ERROR). Topic config values are validated by the caller (the broker owns
/// the log config definitions); this type stores them as given.
public struct AdminZkClient: Sendable {
    public let zk: KafkaZkClient
    let placement: @Sendable (_ brokerCount: Int) -> ReplicaPlacement
    let replicaLimit: BrokerReplicaLimit?
    let logger: Logger

    /// - Parameters:
    ///   - placement: start index and shift of new assignments; random as in Kafka unless a test fixes it.
    ///   - replicaLimit: refuses new partitions that would put more replicas on a broker than it can open.
    public init(
        zk: KafkaZkClient, logger: Logger = Logger(label: "gregor.admin"),
        placement: @escaping @Sendable (_ brokerCount: Int) -> ReplicaPlacement = ReplicaPlacement.random,
        replicaLimit: BrokerReplicaLimit? = nil
    ) {
        self.zk = zk
        self.logger = logger
        self.placement = placement
        self.replicaLimit = replicaLimit
    }

    // MARK: creation

    /// Creates a topic with a rack-unaware assignment over the live brokers; returns that assignment. With
    /// `validateOnly` every check runs and nothing is written.
    @discardableResult
    public func createTopic(
        name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String] = [:],
        validateOnly: Bool = false
    ) async throws -> [Int32: [Int32]] {
        // Kafka's broker refuses an existing topic before assigning replicas, so that error wins over a bad count.
        try Self.validateTopicName(name)  // before the name becomes a path
        try await checkNotExisting(name)
        if partitions > 0, replicationFactor > 0 {
            try Self.checkFitsInZNode(partitions: Int64(partitions), replicationFactor: Int64(replicationFactor))
        }
        let brokers = try await zk.liveBrokerIds()
        let assignment = try ReplicaAssignment.assign(
            brokers: brokers, partitions: partitions, replicationFactor: Int32(replicationFactor),
            placement: brokers.isEmpty ? nil : placement(brokers.count))
        try await createTopic(name: name, assignment: assignment, configs: configs, validateOnly: validateOnly)
        return assignment
    }

    /// Creates a topic with the given assignment (CreateTopics with replica assignments). Brokers in it need not be
    /// live, as in Kafka.
    public func createTopic(
        name: String, assignment: [Int32: [Int32]], configs: [String: String] = [:], validateOnly: Bool = false
    ) async throws {
        try await validateTopicCreate(name, assignment: assignment)
        try replicaLimit?.check(adding: assignment.values)
        let node = TopicZNode(topic: name, partitions: assignment.mapValues { PartitionReplicas($0) })
        let data = node.encoded()
        if data.count > Self.maxTopicZNodeBytes {
            throw AdminError.replicaAssignment(
                "The assignment of \(assignment.count) partitions takes \(data.count) bytes in ZooKeeper, more than a znode holds (\(Self.maxTopicZNodeBytes))")
        }
        guard !validateOnly else { return }
        logger.info("Creating topic \(name) with configuration \(configs) and initial partition assignment \(Self.describe(assignment))")
        // Config first, as Kafka does: the controller and brokers find it once the topic appears.
        try await setOrCreateConfig(topic: name, configs: configs)
        do {
            try await zk.zooKeeper.createRecursively(ZkPaths.topic(name), data: data)
        } catch ZooKeeperError.nodeExists {
            throw AdminError.topicExists("Topic '\(name)' already exists.")
        }
    }

    /// Kafka's topic name rules, refusing as the admin paths do (INVALID_TOPIC_EXCEPTION).
    static func validateTopicName(_ name: String) throws(AdminError) {
        do {
            try TopicName.validate(name)
        } catch {
            throw .invalidTopic(error.message)
        }
    }

    /// Kafka's `AdminZkClient.validateTopicCreate`.
    func validateTopicCreate(_ name: String, assignment: [Int32: [Int32]]) async throws {
        try Self.validateTopicName(name)
        try await checkNotExisting(name)
        if TopicName.hasCollisionChars(name) {
            let all = try await zk.allTopics()
            // Created meanwhile: it would collide with itself.
            if all.contains(name) { throw AdminError.topicExists("Topic '\(name)' already exists.") }
            let colliding = all.filter { TopicName.hasCollision(name, $0) }
            if !colliding.isEmpty {
                throw AdminError.invalidTopic(
                    "Topic '\(name)' collides with existing topics: \(colliding.joined(separator: ", "))")
            }
        }
        for (partition, replicas) in assignment.sorted(by: { $0.key < $1.key }) {
            if replicas.isEmpty {
                throw AdminError.replicaAssignment("Cannot have replication factor of 0 for partition id \(partition).")
            }
            if replicas.count > Int(Int16.max) {
                throw AdminError.replicationFactor("Replication factor \(replicas.count) of partition \(partition) is above \(Int16.max).")
            }
            if let broker = replicas.first(where: { $0 < 0 }) {
                throw AdminError.replicaAssignment("Invalid broker id \(broker) in the assignment of partition \(partition).")
            }
        }
        if Set(assignment.values.map(\.count)).count != 1 {
            throw AdminError.replicaAssignment("All partitions should have the same number of replicas")
        }
        if assignment.values.contains(where: { Set($0).count != $0.count }) {
            throw AdminError.replicaAssignment("Duplicate replica assignment found: \(Self.describe(assignment))")
        }
        let count = assignment.count
        if assignment.keys.filter({ $0 >= 0 }).reduce(0, { $0 + Int($1) }) != count * (count - 1) / 2 {
            throw AdminError.replicaAssignment("partitions should be a consecutive 0-based integer sequence")
        }
    }

    /// ZooKeeper refuses a request above `jute.maxbuffer` (1 MB by default), and a refused write looks like a lost
    /// connection: a topic's assignment must fit well below it.
    static let maxTopicZNodeBytes = 1_000_000

    /// Refuses, before assigning anything, a partition count whose assignment cannot fit a znode: each partition
    /// takes at least `"p":[r,...],` in the JSON. Without it one request for 2^31-1 partitions would build an
    /// assignment of that size in memory first.
    static func checkFitsInZNode(partitions: Int64, replicationFactor: Int64) throws(AdminError) {
        let minimumBytes = partitions.multipliedReportingOverflow(by: 5 + 2 * replicationFactor)
        guard !minimumBytes.overflow, minimumBytes.partialValue <= Int64(maxTopicZNodeBytes) else {
            throw .partitions(
                "\(partitions) partitions with replication factor \(replicationFactor) do not fit in a ZooKeeper znode (\(maxTopicZNodeBytes) bytes).")
        }
    }

    private func checkNotExisting(_ name: String) async throws {
        if try await zk.isTopicMarkedForDeletion(name) {
            throw AdminError.topicExists("Topic '\(name)' is marked for deletion.")
        }
        if try await zk.topicExists(name) {
            throw AdminError.topicExists("Topic '\(name)' already exists.")
        }
    }

    /// Kafka's `changeTopicConfig`: replaces the topic's overrides and tells every broker through a
    /// `/config/changes` notification, so running logs take the new values without a restart. The values are
    /// written as given; callers validate them.
    public func changeTopicConfig(topic: String, configs: [String: String]) async throws {
        guard (try? TopicName.validate(topic)) != nil, try await zk.topicExists(topic) else {
            throw AdminError.unknownTopic("Topic \(topic) does not exist")
        }
        try await setOrCreateConfig(topic: topic, configs: configs)
        try await zk.createConfigChangeNotification(.topic(topic))
        logger.info("Changed the config of topic \(topic) to \(configs.keys.sorted().map { "\($0)=\(configs[$0]!)" }.joined(separator: ","))")
    }

    /// Kafka's `changeBrokerConfig`: replaces the dynamic configs of one broker (`/config/brokers/<id>`) or, for
    /// nil, the cluster-wide defaults (`/config/brokers/<default>`), then announces it (`brokers/<id>` or
    /// `brokers/<default>`) so every broker applies it. The values are written as given; callers validate them.
    public func changeBrokerConfig(brokerId: Int32?, configs: [String: String]) async throws {
        let entity = ZkPaths.brokerConfigEntity(brokerId)
        try await setOrCreateConfig(path: ZkPaths.brokerConfig(entity), configs: configs)
        try await zk.createConfigChangeNotification(.broker(brokerId))
        logger.info("Changed the dynamic config of brokers/\(entity) to \(configs.keys.sorted().map { "\($0)=\(configs[$0]!)" }.joined(separator: ","))")
    }

    /// Kafka's `setOrCreateEntityConfigs` for a topic: `{"version":1,"config":{...}}`, also when empty.
    func setOrCreateConfig(topic: String, configs: [String: String]) async throws {
        try await setOrCreateConfig(path: ZkPaths.topicConfig(topic), configs: configs)
    }

    func setOrCreateConfig(path: String, configs: [String: String]) async throws {
        let data = ConfigEntityZNode.encode(configs)
        do {
            try await zk.zooKeeper.setData(path, data: data)
        } catch ZooKeeperError.noNode {
            do {
                try await zk.zooKeeper.createRecursively(path, data: data)
            } catch ZooKeeperError.nodeExists {
                try await zk.zooKeeper.setData(path, data: data)
            }
        }
    }

    // MARK: deletion

    /// Marks a topic for deletion (`/admin/delete_topics/<t>`); the controller does the rest. Marking it again is
    /// not an error (Kafka's broker swallows `TopicAlreadyMarkedForDeletionException` so callers can wait again).
    public func deleteTopic(_ name: String) async throws {
        guard (try? TopicName.validate(name)) != nil, try await zk.topicExists(name) else {
            throw AdminError.unknownTopic("Topic `\(name)` to delete does not exist")
        }
        do {
            try await zk.zooKeeper.createRecursively(ZkPaths.deleteTopic(name))
            logger.info("Topic \(name) marked for deletion")
        } catch ZooKeeperError.nodeExists {
            logger.info("Topic \(name) is already marked for deletion")
        }
    }

    // MARK: reads

    /// Every topic, sorted (including topics marked for deletion that are not gone yet).
    public func allTopics() async throws -> [String] { try await zk.allTopics() }

    /// The topic's config overrides; empty when it has none (or does not exist), as Kafka's `fetchEntityConfig`.
    public func topicConfig(_ name: String) async throws -> [String: String] {
        guard (try? TopicName.validate(name)) != nil else { return [:] }
        return try await zk.topicConfig(name) ?? [:]
    }

    /// Replicas by partition, or nil when the topic does not exist.
    public func replicaAssignment(topic: String) async throws -> [Int32: [Int32]]? {
        guard (try? TopicName.validate(topic)) != nil else { return nil }
        return try await zk.topicAssignment(topic)?.replicaAssignment
    }

    /// The state znodes of the topic's partitions (those the controller has created so far).
    public func partitionStates(topic: String) async throws -> [Int32: LeaderIsrAndControllerEpoch] {
        guard let assignment = try await replicaAssignment(topic: topic) else { return [:] }
        return try await zk.partitionStates(topic: topic, partitions: assignment.keys.sorted())
    }

    /// `{0 -> [1, 2], 1 -> [2, 0]}`-style text for logs and messages.
    static func describe(_ assignment: [Int32: [Int32]]) -> String {
        let entries = assignment.keys.sorted().map { "\($0) -> [\(assignment[$0]!.map(String.init).joined(separator: ", "))]" }
        return "{" + entries.joined(separator: ", ") + "}"
    }
}
