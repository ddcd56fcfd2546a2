import Coordination
import Foundation
import GregorTestSupport
import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import Storage
import Synchronization

@testable import Broker

/// A clock the test moves by hand (milliseconds, as `ReplicaManager.clock`).
final class ManualClock: Sendable {
    private let nowMs = Mutex<Int64>(1_000_000)

    var now: Int64 { nowMs.withLock { $0 } }
    func advance(byMs milliseconds: Int64) { nowMs.withLock { $0 += milliseconds } }
}

/// A replica manager over real logs in a private temp dir, for broker id 1, with a hand-moved clock.
struct ReplicaManagerFixture {
    let directory: URL
    let logManager: LogManager
    let metadataCache: MetadataCache
    let replicaManager: ReplicaManager
    let clock: ManualClock

    static func make(
        configuration: ReplicaManager.Configuration = .init(brokerId: 1), isrStore: (any IsrStateStore)? = nil,
        ioThreads: NIOThreadPool? = nil
    ) async throws -> ReplicaManagerFixture {
        let directory = try TemporaryDirectory.make(prefix: "replica-manager")
        let logger = Logger(label: "test")
        let logManager = try await LogManager.load(
            LogManager.Configuration(logDirs: [directory.path], defaultConfig: LogConfig()), logger: logger)
        let cache = MetadataCache()
        // Brokers 1-5 are alive, as the controller would have said: followers' fetches count only from live brokers.
        cache.update(controllerId: 1, brokers: (1...5).map { MetadataCache.Node(id: $0, rack: nil, endpoints: [:]) }, partitions: [])
        let clock = ManualClock()
        let replicaManager = ReplicaManager(
            configuration: configuration, logManager: logManager, metadataCache: cache, defaultLogConfig: LogConfig(),
            topicConfig: { _ in [:] }, isrStore: isrStore, clock: { clock.now }, ioThreads: ioThreads, logger: logger)
        return ReplicaManagerFixture(
            directory: directory, logManager: logManager, metadataCache: cache, replicaManager: replicaManager, clock: clock)
    }

    private init(directory: URL, logManager: LogManager, metadataCache: MetadataCache, replicaManager: ReplicaManager, clock: ManualClock) {
        self.directory = directory
        self.logManager = logManager
        self.metadataCache = metadataCache
        self.replicaManager = replicaManager
        self.clock = clock
    }

    /// Makes broker 1 leader of `topicPartition` (alone in the ISR unless told otherwise).
    func lead(
        _ topicPartition: TopicPartition, leaderEpoch: Int32 = 0, controllerEpoch: Int32 = 1, isr: [Int32] = [1],
        replicas: [Int32]? = nil, zkVersion: Int32 = 0
    ) async throws {
        let state = PartitionState(
            topic: topicPartition.topic, partition: topicPartition.partition,
            controllerEpoch: controllerEpoch, leader: 1, leaderEpoch: leaderEpoch, isr: isr, zkVersion: zkVersion,
            replicas: replicas ?? isr, isNew: true)
        let result = await replicaManager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: controllerEpoch, states: [topicPartition: state])
        guard case .success(let codes) = result, codes[topicPartition] == .noError else {
            throw FixtureError.systemCall("becomeLeaderOrFollower \(result)", errno: 0)
        }
    }

    static func batch(_ values: [String], timestamp: Int64 = 1_700_000_000_000) -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: timestamp)
        for value in values { builder.append(key: nil, value: Array(value.utf8)) }
        return ByteBuffer(bytes: builder.build())
    }

    /// A follower's fetch of `topicPartition` at `offset`, as broker `replicaId`, answered at once.
    func followerFetch(_ topicPartition: TopicPartition, replicaId: Int32, offset: Int64) async -> FetchPartitionResult? {
        await replicaManager.fetchMessages(
            FetchParameters(replicaId: replicaId, maxWait: .zero, minBytes: 0, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: topicPartition, fetchOffset: offset, maxBytes: 1 << 20)]
        ).first
    }

    func cleanUp() {
        try? logManager.shutdown()
        TemporaryDirectory.remove(directory)
    }
}
