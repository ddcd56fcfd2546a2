import Logging
import ZooKeeper

/// A transactional id's znode as read or last written, with the zkVersion that fences the next write.
public struct StoredTransaction: Sendable, Hashable {
    public var node: TransactionZNode
    public var zkVersion: Int32

    public init(node: TransactionZNode, zkVersion: Int32) {
        self.node = node
        self.zkVersion = zkVersion
    }
}

/// Transactional ids' coordinator state in ZooKeeper (`/transactions/<id>`, `TransactionZNode`), written only by the
/// id's current coordinator. Kafka 2.8 kept it in the `__transaction_state` topic, fenced by that partition's leader
/// epoch; here the znode's own zkVersion is the fence.
///
/// Fencing: a broker that becomes an id's coordinator calls `claim`, which rewrites the znode with itself as
/// `coordinator` and `coordinator_epoch` + 1, conditional on the version it read. Every later state change is a
/// `write` conditional on the version the coordinator last saw, and expiration a conditional `delete`, so after
/// another broker's claim nothing from the old coordinator lands, not even from a broker frozen past its session.
/// A refused write is `fenced`: the caller drops its copy and answers NOT_COORDINATOR.
///
/// One limit: a deleted (expired) id that is created again starts over at zkVersion 0, so a zombie holding a
/// version from before the deletion could in principle match it again. That needs a coordinator cut off for longer
/// than `transactional.id.expiration.ms` (7 days by default) that still holds its copy; the coordinator drops its
/// copies when its session changes.
///
/// Errors: every call throws only `TransactionStoreError`. Concurrency: a value over `session`, which is asked for
/// the current ZooKeeper session at each call since the broker replaces its session after an expiry.
public struct TransactionStore: Sendable {
    /// Bound on the read-compute-write loop of one claim; each lost race means another broker claimed meanwhile.
    public static let claimAttemptsMax = 5
    /// Reads of znodes in flight at once while listing.
    static let readsInFlightMax = 32

    let session: @Sendable () -> KafkaZkClient
    let logger: Logger

    /// - Parameter session: the current ZooKeeper session (it changes after an expiry).
    public init(session: @escaping @Sendable () -> KafkaZkClient, logger: Logger) {
        self.session = session
        self.logger = logger
    }

    /// Makes `brokerId` the id's coordinator: reads the znode and rewrites it with `coordinator` = `brokerId` and
    /// `coordinator_epoch` + 1, conditional on the version read. When the znode is absent it is created from
    /// `initial` (coordinator epoch 1), or, without `initial`, nothing is written and the result is nil. A lost race
    /// is retried up to `claimAttemptsMax` times.
    public func claim(transactionalId: String, brokerId: Int32, createWith initial: TransactionZNode? = nil) async throws -> StoredTransaction? {
        let path = try Self.path(transactionalId)
        return try await Self.mapErrors {
            let zk = session()
            for _ in 0..<Self.claimAttemptsMax {
                do {
                    if let claimed = try await claimOnce(transactionalId, path: path, brokerId: brokerId, initial: initial, zk: zk) {
                        logger.info("Claimed transactional id \(transactionalId) as its coordinator (coordinator epoch \(claimed.node.coordinatorEpoch))")
                        return claimed
                    }
                    if initial == nil, try await zk.zooKeeper.exists(path) == nil { return nil }
                } catch let error as ZooKeeperError where error.isRetryable {
                    try await zk.zooKeeper.waitUntilConnected()  // throws once the session has ended
                }
            }
            throw TransactionStoreError.contended(transactionalId: transactionalId, attempts: Self.claimAttemptsMax)
        }
    }

    /// One read and one conditional write or create; nil when the znode changed in between (or is absent and there
    /// is nothing to create it from).
    private func claimOnce(
        _ transactionalId: String, path: String, brokerId: Int32, initial: TransactionZNode?, zk: KafkaZkClient
    ) async throws -> StoredTransaction? {
        var node: TransactionZNode
        let version: Int32?
        if let current = try await Self.read(path, zk: zk) {
            guard current.node.transactionalId == transactionalId else {
                throw TransactionStoreError.corrupt(path: path, reason: "it names transactional id \(current.node.transactionalId)")
            }
            let (epoch, overflow) = current.node.coordinatorEpoch.addingReportingOverflow(1)
            guard !overflow else { throw TransactionStoreError.corrupt(path: path, reason: "coordinator_epoch cannot grow past Int32.max") }
            node = current.node
            node.coordinatorEpoch = epoch
            version = current.zkVersion
        } else if let initial {
            node = initial
            node.coordinatorEpoch = TransactionZNode.initialCoordinatorEpoch + 1
            version = nil
        } else {
            return nil
        }
        node.coordinator = brokerId
        let written = node.encoded()
        do {
            if let version {
                return StoredTransaction(node: node, zkVersion: try await zk.zooKeeper.setData(path, data: written, version: version).version)
            }
            try await zk.zooKeeper.ensurePath(ZkPaths.transactions)
            try await zk.zooKeeper.create(path, data: written)
            return StoredTransaction(node: node, zkVersion: 0)
        } catch ZooKeeperError.badVersion, ZooKeeperError.nodeExists, ZooKeeperError.noNode {
            return nil
        } catch let error as ZooKeeperError where error.isRetryable {
            // The outcome is unknown: the claim is ours if the znode holds exactly what we wrote (its coordinator
            // epoch and broker id make it ours alone).
            try await zk.zooKeeper.waitUntilConnected()
            guard let (data, stat) = try await Self.dataIfExists(path, zk: zk), data == written else { return nil }
            return StoredTransaction(node: node, zkVersion: stat.version)
        }
    }

    /// The id's znode, nil when absent. Reads only: it claims nothing.
    public func load(transactionalId: String) async throws -> StoredTransaction? {
        let path = try Self.path(transactionalId)
        return try await Self.mapErrors { try await Self.read(path, zk: session()) }
    }

    /// Replaces the znode with `node` if it is still at `expectedVersion`; returns what was written with its new
    /// version. Throws `fenced` when the znode moved on or is gone.
    public func write(_ node: TransactionZNode, expectedVersion: Int32) async throws -> StoredTransaction {
        let path = try Self.path(node.transactionalId)
        let written = node.encoded()
        return try await Self.mapErrors {
            let zk = session()
            do {
                let stat = try await zk.zooKeeper.setData(path, data: written, version: expectedVersion)
                return StoredTransaction(node: node, zkVersion: stat.version)
            } catch ZooKeeperError.badVersion, ZooKeeperError.noNode {
                throw TransactionStoreError.fenced(transactionalId: node.transactionalId, zkVersion: expectedVersion)
            } catch let error as ZooKeeperError where error.isRetryable {
                // Applied or not: ours if the znode holds exactly what we wrote, one version on.
                try await zk.zooKeeper.waitUntilConnected()
                if let (data, stat) = try await Self.dataIfExists(path, zk: zk), data == written, stat.version == expectedVersion &+ 1 {
                    return StoredTransaction(node: node, zkVersion: stat.version)
                }
                throw error
            }
        }
    }

    /// Deletes the id's znode (an expired transactional id) if it is still at `expectedVersion`; throws `fenced`
    /// when it moved on or is already gone.
    public func delete(transactionalId: String, expectedVersion: Int32) async throws {
        let path = try Self.path(transactionalId)
        try await Self.mapErrors {
            do {
                try await session().zooKeeper.delete(path, version: expectedVersion)
            } catch ZooKeeperError.badVersion, ZooKeeperError.noNode {
                throw TransactionStoreError.fenced(transactionalId: transactionalId, zkVersion: expectedVersion)
            }
        }
    }

    /// Every transactional id's znode, sorted by id. Malformed znodes are skipped with a log line; znodes deleted
    /// while listing are left out.
    public func list() async throws -> [StoredTransaction] {
        let logger = self.logger
        return try await Self.mapErrors {
            let zk = session()
            let names: [String]
            do {
                names = try await zk.zooKeeper.getChildren(ZkPaths.transactions)
            } catch ZooKeeperError.noNode {
                return []
            }
            var found: [StoredTransaction] = []
            try await withThrowingTaskGroup(of: StoredTransaction?.self) { group in
                var pending = names[...]
                func startNext() {
                    guard let name = pending.popFirst() else { return }
                    group.addTask {
                        let path = ZkPaths.transaction(sanitizedId: name)
                        do {
                            return try await Self.read(path, zk: zk)
                        } catch let error as TransactionStoreError {
                            guard case .corrupt = error else { throw error }
                            logger.error("Skipping \(error)")
                            return nil
                        }
                    }
                }
                for _ in 0..<Self.readsInFlightMax { startNext() }
                while let result = try await group.next() {
                    if let result { found.append(result) }
                    startNext()
                }
            }
            return found.sorted { $0.node.transactionalId < $1.node.transactionalId }
        }
    }

    // MARK: helpers

    static func path(_ transactionalId: String) throws -> String {
        guard let path = TransactionZNode.path(for: transactionalId) else { throw TransactionStoreError.invalidId(transactionalId) }
        return path
    }

    /// The decoded znode and its version, nil when absent; `corrupt` when it is not a `TransactionZNode`.
    static func read(_ path: String, zk: KafkaZkClient) async throws -> StoredTransaction? {
        guard let (data, stat) = try await dataIfExists(path, zk: zk) else { return nil }
        do {
            return StoredTransaction(node: try TransactionZNode.decode(data, path: path), zkVersion: stat.version)
        } catch is ZkDataError {
            throw TransactionStoreError.corrupt(path: path, reason: "not a transaction record: '\(String(decoding: data.prefix(200), as: UTF8.self))'")
        }
    }

    static func dataIfExists(_ path: String, zk: KafkaZkClient) async throws -> (data: [UInt8], stat: ZNodeStat)? {
        do {
            return try await zk.zooKeeper.getData(path)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    /// Runs `body`, turning ZooKeeper's errors into `TransactionStoreError`.
    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TransactionStoreError {
            throw error
        } catch let error as ZooKeeperError {
            throw TransactionStoreError.zooKeeper(error)
        } catch {
            throw TransactionStoreError.corrupt(path: ZkPaths.transactions, reason: "\(error)")
        }
    }
}
