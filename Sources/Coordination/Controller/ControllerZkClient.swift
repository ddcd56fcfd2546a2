import KafkaProtocol
import ZooKeeper

/// Thrown when a controller's write finds `/controller_epoch` at another zkVersion than the one it was elected
/// with: another controller has been elected since, and this one must stop (Kafka's `ControllerMovedException`).
public struct ControllerMovedError: Error, Sendable, CustomStringConvertible {
    public var epoch: Int32
    public var epochZkVersion: Int32

    public var description: String {
        "Controller epoch \(epoch) is stale: /controller_epoch is no longer at zkVersion \(epochZkVersion) (another controller was elected)"
    }
}

/// The controller's ZooKeeper access: reads, and writes fenced by the zkVersion of `/controller_epoch` (each write is
/// a multi-op that first checks it, as Kafka's `ZooKeeperClient` does with `expectedControllerEpochZkVersion`).
///
/// Every call rides out connection losses: it waits for the session to reconnect and tries again, and throws only
/// when the session has ended (`sessionExpired`/`closed`), when the controller moved, or for a real refusal.
struct ControllerZkClient: Sendable {
    let zk: KafkaZkClient
    let epoch: ControllerEpoch

    func retrying<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        while true {
            try Task.checkCancellation()  // a resigned controller stops at its next ZooKeeper call
            do {
                return try await body()
            } catch let error as ZooKeeperError where error.isRetryable {
                try await zk.zooKeeper.waitUntilConnected()
            }
        }
    }

    /// Applies `operations` only while `/controller_epoch` is at this controller's zkVersion. A refused step is
    /// thrown as that step's `ZooKeeperError`.
    @discardableResult
    func fenced(_ operations: [ZooKeeperOperation]) async throws -> [ZooKeeperOperationResult] {
        let check = ZooKeeperOperation.check(path: ZkPaths.controllerEpoch, version: epoch.zkVersion)
        do {
            return Array(try await retrying { try await zk.zooKeeper.multi([check] + operations) }.dropFirst())
        } catch let error as ZooKeeperMultiError {
            if error.index == 0 { throw ControllerMovedError(epoch: epoch.epoch, epochZkVersion: epoch.zkVersion) }
            throw error.error
        }
    }

    // MARK: partition state

    /// Creates the partition's state znode (and its parents); returns the new state with its zkVersion, or nil when
    /// a state znode already exists that this controller did not just write.
    func createPartitionState(_ partition: TopicPartition, _ state: LeaderIsrAndControllerEpoch) async throws
        -> LeaderIsrAndControllerEpoch?
    {
        let statePath = ZkPaths.partitionState(topic: partition.topic, partition: partition.partition)
        try await fencedCreateIfMissing(ZkPaths.topicPartitions(partition.topic))
        try await fencedCreateIfMissing(ZkPaths.topicPartition(topic: partition.topic, partition: partition.partition))
        do {
            try await fenced([.create(path: statePath, data: state.encoded(), mode: .persistent)])
            return state
        } catch ZooKeeperError.nodeExists {
            // Perhaps our own create, applied just before a connection loss hid its answer. A state znode that
            // cannot be parsed is not ours: the partition is left to the operator, the others go on.
            let read: LeaderIsrAndControllerEpoch?
            do {
                read = try await partitionState(partition)
            } catch is ZkDataError {
                return nil
            }
            guard let existing = read,
                existing.controllerEpoch == state.controllerEpoch, existing.leaderAndIsr.leader == state.leaderAndIsr.leader,
                existing.leaderAndIsr.isr == state.leaderAndIsr.isr, existing.leaderAndIsr.leaderEpoch == state.leaderAndIsr.leaderEpoch
            else { return nil }
            return existing
        }
    }

    // MARK: deletion

    /// Deletes `path` and everything below it, each step fenced; absent nodes are fine.
    func deleteRecursively(_ path: String) async throws {
        let children: [String]
        do {
            children = try await retrying { try await zk.zooKeeper.getChildren(path) }
        } catch ZooKeeperError.noNode {
            return
        }
        for child in children { try await deleteRecursively(ZooKeeperClient.join(path, child)) }
        do {
            try await fenced([.delete(path: path, version: anyVersion)])
        } catch ZooKeeperError.noNode {
        } catch ZooKeeperError.notEmpty {
            try await deleteRecursively(path)  // a child appeared meanwhile
        }
    }

    private func fencedCreateIfMissing(_ path: String) async throws {
        do {
            try await fenced([.create(path: path, data: [], mode: .persistent)])
        } catch ZooKeeperError.nodeExists {}
    }

    // MARK: reads

    func partitionState(_ partition: TopicPartition) async throws -> LeaderIsrAndControllerEpoch? {
        try await retrying { try await zk.partitionState(topic: partition.topic, partition: partition.partition) }
    }

    func liveBrokersAndEpochs() async throws -> [BrokerAndEpoch] { try await retrying { try await zk.liveBrokersAndEpochs() } }
    func allTopics() async throws -> [String] { try await retrying { try await zk.allTopics() } }
    func topicAssignment(_ topic: String) async throws -> TopicZNode? { try await retrying { try await zk.topicAssignment(topic) } }
    func topicConfig(_ topic: String) async throws -> [String: String]? { try await retrying { try await zk.topicConfig(topic) } }
    func topicDeletions() async throws -> [String] { try await retrying { try await zk.topicDeletions() } }
    func children(_ path: String) async throws -> [String] { try await retrying { try await zk.childrenOrEmpty(path) } }

    func data(_ path: String) async throws -> [UInt8]? {
        do {
            return try await retrying { try await zk.zooKeeper.getData(path).data }
        } catch ZooKeeperError.noNode {
            return nil
        }
    }
}
