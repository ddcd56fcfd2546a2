import KafkaProtocol
import NIOPosix
import Logging
import Storage
import Synchronization

/// The partitions this broker hosts and the only path to their logs from requests (Kafka's `ReplicaManager`):
/// leadership changes from the controller, appends from producers, reads for consumers and followers, and the
/// fetchers that copy the partitions this broker follows from their leaders.
final class ReplicaManager: Sendable {
    struct Configuration: Sendable {
        var brokerId: Int32
        /// The broker's `min.insync.replicas`; a topic's override wins.
        var minInsyncReplicas: Int = 1
        var highWatermarkCheckpointInterval: Duration = .seconds(5)
        /// `replica.lag.time.max.ms`: a follower not caught up for this long leaves the ISR.
        var replicaLagTimeMaxMs: Int64 = 30_000
        /// The listener followers reach their leaders on, when a LeaderAndIsr does not carry the leader's endpoint.
        var interBrokerListenerName: String = "PLAINTEXT"
        var fetcher = ReplicaFetcherConfiguration()
        /// `replication.quota.window.num` and `replication.quota.window.size.seconds` (as ms).
        var quotaWindowNum = 11
        var quotaWindowSizeMs: Int64 = 1000
    }

    let configuration: Configuration
    let logManager: LogManager
    let metadataCache: MetadataCache
    /// Wakes delayed fetches and produces on appends, high watermark moves, ISR and leadership changes.
    let activity = PartitionActivity()
    /// Wakes followers' delayed fetches, keyed by follower broker: an append to a partition this broker leads
    /// notifies its followers, a leadership change all of them. A follower's fetch names every partition it follows
    /// here (thousands), and parking it under each of them cost an idle broker more than reading them did. Kafka
    /// parks it under each partition (`delayedFetchPurgatory`), but before its wait is over only new records (an
    /// append) or an error (a leadership change) complete it, and those are what notify this.
    let followerActivity = ActivitySignal<Int32>()
    let fetcherManager: ReplicaFetcherManager
    /// Kafka's replication throttles: bytes this leader sends to, and this follower fetches for, catching-up replicas.
    let leaderQuota: ReplicationQuotaManager
    let followerQuota: ReplicationQuotaManager
    /// Milliseconds of a monotonic clock, for follower lag (injected by tests).
    let clock: @Sendable () -> Int64
    /// Where leaders write their ISR changes (ZooKeeper); nil drops every change (tests that do not need it).
    let isrStore: (any IsrStateStore)?
    /// ISR expansions proposed on the fetch path, written by `runIsrChangeWriter`: they wait here, and the stream
    /// wakes the writer (one wake-up stands for any number of them).
    let pendingIsrExpansions = Mutex<[(Partition, IsrChange)]>([])
    let isrExpansions: AsyncStream<Void>
    let isrExpansionsInput: AsyncStream<Void>.Continuation
    /// A topic's log config overrides (`/config/topics/<t>`), read when a replica is created. It retries until
    /// ZooKeeper answers and throws only for data it cannot use: no replica runs on defaults because a read failed.
    let topicConfig: @Sendable (String) async throws -> [String: String]
    /// The broker's log defaults and `min.insync.replicas`; dynamic broker configs change them while running.
    let brokerDefaults: Mutex<BrokerLogDefaults>
    /// Kafka's request handler threads (`num.io.threads`): appends block on the disk (pwrite, and fsync under a
    /// flush policy), so they run here instead of on Swift's cooperative threads, which every connection shares.
    /// Nil runs them inline (tests).
    let ioThreads: NIOThreadPool?
    /// Messages and bytes in and out, ISR changes (Kafka's BrokerTopicStats and ReplicaManager meters).
    let metrics: BrokerMetrics
    let logger: Logger

    struct State {
        var partitions: [TopicPartition: Partition] = [:]
        /// The highest controller epoch seen; requests from older controllers are refused.
        var controllerEpoch: Int32 = 0
        /// The high watermarks of logs on disk that no LeaderAndIsr has (yet, or any longer) made replicas here:
        /// read once from `replication-offset-checkpoint`, updated when a replica stops. Every checkpoint written
        /// keeps them, so a partition the controller has not named yet never loses its entry.
        var highWatermarkCheckpoints: [TopicPartition: Int64]? = nil
        /// Kafka's `hwThreadInitialized`: the checkpoint writer starts after the first LeaderAndIsr.
        var receivedLeaderAndIsr = false
    }

    let state = Mutex(State())

    init(
        configuration: Configuration, logManager: LogManager, metadataCache: MetadataCache, defaultLogConfig: LogConfig,
        topicConfig: @escaping @Sendable (String) async throws -> [String: String],
        isrStore: (any IsrStateStore)? = nil, clock: @escaping @Sendable () -> Int64 = MonotonicClock.milliseconds,
        ioThreads: NIOThreadPool? = nil, metrics: BrokerMetrics = BrokerMetrics(), logger: Logger
    ) {
        self.ioThreads = ioThreads
        self.metrics = metrics
        self.configuration = configuration
        self.isrStore = isrStore
        (isrExpansions, isrExpansionsInput) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        leaderQuota = ReplicationQuotaManager(
            direction: .leader, samples: configuration.quotaWindowNum, windowMs: configuration.quotaWindowSizeMs)
        followerQuota = ReplicationQuotaManager(
            direction: .follower, samples: configuration.quotaWindowNum, windowMs: configuration.quotaWindowSizeMs)
        self.fetcherManager = ReplicaFetcherManager(
            brokerId: configuration.brokerId, configuration: configuration.fetcher, quota: followerQuota, clock: clock,
            replicationBytesIn: metrics.topics.replicationBytesIn, logger: logger)
        self.clock = clock
        self.logManager = logManager
        self.metadataCache = metadataCache
        self.brokerDefaults = Mutex(BrokerLogDefaults(
            logConfig: defaultLogConfig, minInsyncReplicas: configuration.minInsyncReplicas))
        self.topicConfig = topicConfig
        self.logger = logger
    }

    var localBrokerId: Int32 { configuration.brokerId }

    /// Runs blocking storage work on the I/O threads (inline without them).
    func onIOThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await NIOThreadPool.runBlocking(on: ioThreads, body)
    }

    func partition(_ topicPartition: TopicPartition) -> Partition? {
        state.withLock { $0.partitions[topicPartition] }
    }

    var allPartitions: [Partition] { state.withLock { Array($0.partitions.values) } }

    /// The partition when this broker leads it, else the error Kafka answers with: NOT_LEADER_OR_FOLLOWER when the
    /// cluster knows the partition, UNKNOWN_TOPIC_OR_PARTITION when it does not.
    func leaderPartition(_ topicPartition: TopicPartition, currentLeaderEpoch: Int32 = -1) -> Result<Partition, ErrorCode> {
        guard let partition = partition(topicPartition) else {
            return .failure(metadataCache.contains(topic: topicPartition.topic, partition: topicPartition.partition)
                ? .notLeaderOrFollower : .unknownTopicOrPartition)
        }
        let (isLeader, epoch) = partition.leadership
        guard isLeader else { return .failure(.notLeaderOrFollower) }
        if currentLeaderEpoch >= 0 {
            if currentLeaderEpoch < epoch { return .failure(.fencedLeaderEpoch) }
            if currentLeaderEpoch > epoch { return .failure(.unknownLeaderEpoch) }
        }
        return .success(partition)
    }

    /// Writes `replication-offset-checkpoint` every `highWatermarkCheckpointInterval` until cancelled, from the
    /// first LeaderAndIsr on (Kafka's `startHighWatermarkCheckPointThread`): before it, this broker knows no high
    /// watermark the file does not already hold.
    func runHighWatermarkCheckpoints() async {
        while !Task.isCancelled, !state.withLock({ $0.receivedLeaderAndIsr }) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.highWatermarkCheckpointInterval)
            checkpointHighWatermarks()
        }
    }

    /// Stops the fetchers (before the logs close), then writes a last high watermark checkpoint.
    func shutdown() async {
        isrExpansionsInput.finish()
        await fetcherManager.shutdown()
        checkpointHighWatermarks()
    }

    /// Every replica's high watermark, the followers' included (Kafka's `checkpointHighWatermarks`), plus the last
    /// known one of every other log on disk.
    func checkpointHighWatermarks() {
        let loaded = loadedHighWatermarkCheckpoints()
        let partitions = state.withLock { $0.partitions }
        do {
            try logManager.checkpointHighWatermarks { partitions[$0]?.highWatermark ?? loaded[$0] }
        } catch {
            logger.error("Writing the high watermark checkpoint failed: \(error)")
        }
    }
}

/// Milliseconds since an arbitrary fixed point, never going back (follower lag must not jump with the wall clock).
enum MonotonicClock {
    private static let origin = ContinuousClock.now

    @Sendable static func milliseconds() -> Int64 {
        let elapsed = ContinuousClock.now - origin
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
