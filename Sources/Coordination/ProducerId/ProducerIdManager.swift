import Logging
import ZooKeeper

/// Hands out producer ids for InitProducerId (Kafka's ZooKeeper-based `ProducerIdManager`): each broker claims
/// blocks of `ProducerIdBlock.size` ids from `/latest_producer_id_block` and serves ids from its block, so brokers
/// never hand out the same id and ZooKeeper is written once per thousand producers.
///
/// A claim reads the znode and its zkVersion, computes the block after the one stored there, and writes it with a
/// setData conditional on that version; a version conflict means another broker claimed in between, so it reads
/// again. The znode is created if missing (it is among the persistent paths; a fresh chroot may lack it).
///
/// Unlike Kafka, the first block is claimed on the first request rather than at startup, so a broker that never
/// serves an idempotent producer uses no ids. Ids of a block that a broker did not use before it restarted are
/// lost, as in Kafka.
///
/// Concurrency: an actor; concurrent requests while a claim is in flight wait for that one claim.
public actor ProducerIdManager {
    /// Why no producer id could be handed out.
    public enum Failure: Error, CustomStringConvertible {
        /// The next block would pass `Int64.max` (Kafka: "Have exhausted all producerIds").
        case exhausted(lastId: Int64)
        /// Conflicting writers kept winning: `claimAttemptsMax` attempts in a row lost the race.
        case contended(attempts: Int)

        public var description: String {
            switch self {
            case .exhausted(let lastId): "all producer ids are used up (the last block claimed ends at \(lastId))"
            case .contended(let attempts): "lost the race for \(ZkPaths.latestProducerIdBlock) \(attempts) times in a row"
            }
        }
    }

    /// Bound on the read-compute-write loop of one claim. Each lost race means another broker won a block, so
    /// this is only reached if many brokers claim at the same moment, over and over.
    public static let claimAttemptsMax = 100

    public let brokerId: Int32
    private let session: @Sendable () -> KafkaZkClient
    private let logger: Logger
    private var block: ProducerIdBlock?
    private var nextId: Int64 = 0
    private var claim: Task<Void, any Error>?

    /// - Parameter session: the current ZooKeeper session (it changes after an expiry).
    public init(brokerId: Int32, session: @escaping @Sendable () -> KafkaZkClient, logger: Logger) {
        self.brokerId = brokerId
        self.session = session
        self.logger = logger
    }

    /// The block ids are being served from, if one was claimed.
    public var currentBlock: ProducerIdBlock? { block }

    /// A producer id no other call on any broker of the cluster returns.
    public func generateProducerId() async throws -> Int64 {
        while true {
            if let block, nextId <= block.lastId {
                defer { nextId += 1 }
                return nextId
            }
            if claim == nil {
                claim = Task { try await self.claimNextBlock() }
            }
            try await claim?.value
        }
    }

    /// Claims the next block and installs it; clears `claim` whatever the outcome, before its task completes, so
    /// that every waiter resumes to a settled state.
    private func claimNextBlock() async throws {
        defer { claim = nil }
        let claimed = try await Self.claimBlock(brokerId: brokerId, zk: session(), logger: logger)
        block = claimed
        nextId = claimed.firstId
    }

    /// One claim in ZooKeeper: read, compute, conditional write, until a write wins.
    static func claimBlock(brokerId: Int32, zk: KafkaZkClient, logger: Logger) async throws -> ProducerIdBlock {
        let path = ZkPaths.latestProducerIdBlock
        for _ in 0..<claimAttemptsMax {
            let (data, version) = try await readOrCreate(zk)
            let current = try ProducerIdBlock.decode(data)
            guard let next = ProducerIdBlock.next(after: current, brokerId: brokerId) else {
                logger.critical("Exhausted all producer ids: the next block would pass Int64.max")
                throw Failure.exhausted(lastId: current?.lastId ?? -1)
            }
            let written = next.encoded()
            do {
                let stat = try await zk.zooKeeper.setData(path, data: written, version: version)
                logger.info("Acquired new \(next) by writing \(path) at zkVersion \(stat.version)")
                return next
            } catch ZooKeeperError.badVersion {
                // Another broker won: this write was not applied.
                logger.debug("Lost the race for \(path) at zkVersion \(version); reading it again")
            } catch let error as ZooKeeperError where error.isRetryable {
                // The outcome is unknown: the block is ours if the znode holds exactly what we wrote (another
                // broker's block names another broker id; two live brokers never share an id).
                try await zk.zooKeeper.waitUntilConnected()
                if try await zk.zooKeeper.getData(path).data == written { return next }
            }
        }
        throw Failure.contended(attempts: claimAttemptsMax)
    }

    private static func readOrCreate(_ zk: KafkaZkClient) async throws -> (data: [UInt8], version: Int32) {
        do {
            let (data, stat) = try await zk.zooKeeper.getData(ZkPaths.latestProducerIdBlock)
            return (data, stat.version)
        } catch ZooKeeperError.noNode {
            do {
                try await zk.zooKeeper.createRecursively(ZkPaths.latestProducerIdBlock)
            } catch ZooKeeperError.nodeExists {}
            let (data, stat) = try await zk.zooKeeper.getData(ZkPaths.latestProducerIdBlock)
            return (data, stat.version)
        }
    }
}
