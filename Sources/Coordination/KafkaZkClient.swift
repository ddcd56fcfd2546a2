import Logging
import ZooKeeper

/// Kafka's operations on its ZooKeeper tree, over one session (Kafka's `KafkaZkClient`).
///
/// A value bound to a single `ZooKeeperClient`: when that session expires its owner (`ClusterMembership`) builds a
/// new one for the next session, so nothing here ever mixes two sessions.
public struct KafkaZkClient: Sendable {
    public let zooKeeper: ZooKeeperClient

    public init(_ zooKeeper: ZooKeeperClient) {
        self.zooKeeper = zooKeeper
    }

    public var sessionID: Int64 { zooKeeper.sessionID }

    /// Creates the persistent paths a Kafka broker expects (`createTopLevelPaths`).
    public func ensurePersistentPaths() async throws {
        for path in ZkPaths.persistentPaths {
            try await zooKeeper.ensurePath(path)
        }
    }

    /// Reads `/cluster/id`, creating it with a new id when this is the first broker of the cluster.
    public func getOrCreateClusterId() async throws -> String {
        if let id = try await clusterId() { return id }
        do {
            try await zooKeeper.createRecursively(ZkPaths.clusterId, data: ClusterIdZNode.encode(ClusterIdZNode.generate()))
        } catch ZooKeeperError.nodeExists {}  // another broker won the race: use its id
        guard let id = try await clusterId() else { throw ZooKeeperError.noNode }
        return id
    }

    public func clusterId() async throws -> String? {
        do {
            return try ClusterIdZNode.decode(try await zooKeeper.getData(ZkPaths.clusterId).data)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// A new broker id from `/brokers/seqid` (Kafka's `generateBrokerSequenceId() + reserved.broker.max.id`).
    public func generateBrokerId(reservedBrokerMaxId: Int32) async throws -> Int32 {
        let stat = try await zooKeeper.setData(ZkPaths.brokerSequenceId, data: [], version: anyVersion)
        return stat.version + reservedBrokerMaxId
    }

    // MARK: brokers

    /// Registers this broker as the ephemeral `/brokers/ids/<id>`.
    ///
    /// A node left by this same session (a retry after a connection loss) is ours; one owned by another session
    /// means another live broker has this id, which is fatal for the newcomer.
    /// Creates `/brokers/ids/<id>` (ephemeral) in this session. When another session holds it, that may be this
    /// broker's own previous run, killed before it could close its session: ZooKeeper removes the node once that
    /// session expires. So the registration waits, watching the node, up to `staleRegistrationWait` (the session
    /// timeout plus a margin) for it to vanish, and only a registration that outlives that, a live broker with the
    /// same id, is refused (`BrokerRegistrationError.alreadyRegistered`). Returns how long it waited (zero mostly).
    @discardableResult
    public func registerBroker(_ info: BrokerInfo, staleRegistrationWait: Duration = .zero) async throws -> Duration {
        let path = ZkPaths.broker(info.id)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + staleRegistrationWait
        while true {
            do {
                try await zooKeeper.create(path, data: info.encoded(), mode: .ephemeral)
                return clock.now - start
            } catch ZooKeeperError.nodeExists {
                let (stat, watch) = try await zooKeeper.existsAndWatch(path)
                guard let owner = stat?.ephemeralOwner else { continue }  // gone meanwhile: create again
                if owner == sessionID { return clock.now - start }
                let now = clock.now
                guard now < deadline else {
                    throw BrokerRegistrationError.alreadyRegistered(
                        brokerId: info.id, ownerSession: owner, waited: now - start)
                }
                try await Self.waitForEvent(on: watch, client: zooKeeper, until: deadline)
            }
        }
    }

    /// Waits for `watch` to fire or `deadline` to pass, whichever comes first.
    private static func waitForEvent(
        on watch: AsyncStream<WatchedEvent>, client: ZooKeeperClient, until deadline: ContinuousClock.Instant
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await client.waitForEvent(on: watch) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    public func liveBrokerIds() async throws -> [Int32] {
        try await zooKeeper.getChildren(ZkPaths.brokerIds).compactMap { Int32($0) }.sorted()
    }

    public func broker(_ id: Int32) async throws -> BrokerInfo? {
        do {
            return try BrokerInfo.decode(id: id, from: try await zooKeeper.getData(ZkPaths.broker(id)).data)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    public func liveBrokers() async throws -> [BrokerInfo] {
        var brokers: [BrokerInfo] = []
        for id in try await liveBrokerIds() {
            if let info = try await broker(id) { brokers.append(info) }
        }
        return brokers
    }

    // MARK: controller

    /// The controller's broker id and the session owning `/controller`, or nil when there is none.
    public func controller() async throws -> (node: ControllerZNode, ownerSession: Int64)? {
        do {
            let (data, stat) = try await zooKeeper.getData(ZkPaths.controller)
            return (try ControllerZNode.decode(data), stat.ephemeralOwner)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    public func controllerEpoch() async throws -> ControllerEpoch? {
        do {
            let (data, stat) = try await zooKeeper.getData(ZkPaths.controllerEpoch)
            return ControllerEpoch(epoch: try ControllerEpoch.decode(data), zkVersion: stat.version)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// Kafka's `registerControllerAndIncrementControllerEpoch`: in one multi-op, create the ephemeral `/controller`
    /// and bump `/controller_epoch` conditionally on the version just read. Returns the new epoch, or nil when
    /// another broker won (either step failing means someone else got there first).
    public func tryRegisterController(brokerId: Int32) async throws -> ControllerEpoch? {
        let current = try await controllerEpochCreatingIfAbsent()
        let newEpoch = current.epoch + 1
        do {
            let results = try await zooKeeper.multi([
                .create(path: ZkPaths.controller, data: ControllerZNode(brokerId: brokerId).encoded(), mode: .ephemeral),
                .setData(path: ZkPaths.controllerEpoch, data: ControllerEpoch.encode(newEpoch), version: current.zkVersion),
            ])
            guard case .dataSet(let stat) = results[1] else { preconditionFailure("multi-op results out of order") }
            return ControllerEpoch(epoch: newEpoch, zkVersion: stat.version)
        } catch let error as ZooKeeperMultiError where error.error == .nodeExists || error.error == .badVersion {
            return nil
        } catch let error as ZooKeeperError where error.isRetryable {
            // The outcome is unknown: find out whether this session's attempt was applied (Kafka's
            // `checkControllerAndEpoch`).
            try await zooKeeper.waitUntilConnected()
            guard let (node, owner) = try await controller(), node.brokerId == brokerId, owner == sessionID,
                let epoch = try await controllerEpoch(), epoch.epoch == newEpoch
            else { return nil }
            return epoch
        }
    }

    /// Deletes `/controller` if `/controller_epoch` is still at `epoch`'s zkVersion (Kafka's `deleteController`):
    /// a controller that cannot go on makes way for a new election. Returns true when it was deleted, false when
    /// there was nothing of this epoch to delete; throws when ZooKeeper did not answer (the caller retries).
    public func resignController(epoch: ControllerEpoch) async throws -> Bool {
        do {
            try await zooKeeper.multi([
                .check(path: ZkPaths.controllerEpoch, version: epoch.zkVersion),
                .delete(path: ZkPaths.controller, version: anyVersion),
            ])
            return true
        } catch let error as ZooKeeperMultiError where error.error == .badVersion || error.error == .noNode {
            return false  // another controller's epoch, or no /controller: nothing of ours to give up
        }
    }

    private func controllerEpochCreatingIfAbsent() async throws -> ControllerEpoch {
        if let epoch = try await controllerEpoch() { return epoch }
        do {
            try await zooKeeper.create(ZkPaths.controllerEpoch, data: ControllerEpoch.encode(ControllerEpoch.initial))
            return ControllerEpoch(epoch: ControllerEpoch.initial, zkVersion: 0)
        } catch ZooKeeperError.nodeExists {
            guard let epoch = try await controllerEpoch() else { throw ZooKeeperError.noNode }
            return epoch
        }
    }
}

public enum BrokerRegistrationError: Error, Sendable, CustomStringConvertible {
    /// The registration of `ownerSession` outlived `waited`, longer than a dead broker's session lasts.
    case alreadyRegistered(brokerId: Int32, ownerSession: Int64, waited: Duration)

    public var description: String {
        switch self {
        case .alreadyRegistered(let id, let owner, let waited):
            let ms = waited.components.seconds * 1000 + waited.components.attoseconds / 1_000_000_000_000_000
            return "broker.id \(id) is registered in ZooKeeper by another live broker (session 0x\(String(owner, radix: 16))): "
                + "the registration was still there after \(ms) ms, longer than the session of a stopped broker would last, "
                + "so it is not a leftover of this broker's previous run; each broker needs a unique broker.id"
        }
    }
}
