import CoreMetrics
import KafkaProtocol
import Logging
import Storage
import Synchronization

/// The followers' fetchers (Kafka's `ReplicaFetcherManager`): `num.replica.fetchers` per leader broker, each
/// partition on the one its topic and index hash to. Fetchers start when partitions are added for a new source and
/// stop when they have none left or at shutdown.
///
/// Thread-safety: every method may be called from any task. `removeFetchers` returns only once no fetcher can still
/// write to those partitions' logs, so the caller may truncate, delete or lead them.
final class ReplicaFetcherManager: Sendable {
    private struct FetcherKey: Hashable {
        var brokerId: Int32
        var fetcherId: Int
    }

    let brokerId: Int32
    let configuration: ReplicaFetcherConfiguration
    let logger: Logger
    /// The follower's replication throttle, which every fetcher honours.
    let quota: ReplicationQuotaManager
    let clock: @Sendable () -> Int64
    /// Kafka's ReplicationBytesInPerSec: what the fetchers append.
    let replicationBytesIn: Counter?
    private let fetchers = Mutex<[FetcherKey: ReplicaFetcher]>([:])

    init(
        brokerId: Int32, configuration: ReplicaFetcherConfiguration,
        quota: ReplicationQuotaManager = ReplicationQuotaManager(direction: .follower),
        clock: @escaping @Sendable () -> Int64 = MonotonicClock.milliseconds, replicationBytesIn: Counter? = nil,
        logger: Logger
    ) {
        self.replicationBytesIn = replicationBytesIn
        self.brokerId = brokerId
        self.configuration = configuration
        self.quota = quota
        self.clock = clock
        self.logger = logger
    }

    /// Starts fetching each partition from its leader at its fetch offset (Kafka's `addFetcherForPartitions`).
    func addFetchers(_ states: [InitialFetchState]) {
        var grouped: [FetcherKey: [InitialFetchState]] = [:]
        for state in states {
            let key = FetcherKey(brokerId: state.leader.id, fetcherId: fetcherId(state.partition.topicPartition))
            grouped[key, default: []].append(state)
        }
        var stale: [ReplicaFetcher] = []
        fetchers.withLock { fetchers in
            for (key, states) in grouped {
                let source = states[0].leader
                if let existing = fetchers[key], existing.source != source {
                    // The leader broker came back elsewhere: a new fetcher for the new endpoint takes over its partitions.
                    stale.append(existing)
                    fetchers[key] = nil
                }
                let fetcher = fetchers[key] ?? {
                    let created = ReplicaFetcher(
                        fetcherId: key.fetcherId, source: source, brokerId: brokerId, configuration: configuration,
                        quota: quota, clock: clock, replicationBytesIn: replicationBytesIn, logger: logger)
                    fetchers[key] = created
                    created.start()
                    return created
                }()
                fetcher.addPartitions(states)
            }
        }
        for fetcher in stale {
            let moved = fetcher.removeAllPartitions()
            fetcher.stop()
            if moved > 0 {
                logger.info("Fetcher for broker \(fetcher.source.id) moved endpoints; dropped \(moved) partitions from the old one")
            }
        }
        for (key, states) in grouped {
            let partitions = states.map { "\($0.partition.topicPartition) at \($0.fetchOffset)" }.joined(separator: ", ")
            logger.info("Added fetcher to broker \(states[0].leader) (fetcher \(key.fetcherId)) for partitions \(partitions)")
        }
    }

    /// Stops fetching `partitions` (Kafka's `removeFetcherForPartitions`).
    func removeFetchers(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        let all = fetchers.withLock { Array($0.values) }
        var removed: [TopicPartition] = []
        for fetcher in all { removed += fetcher.removePartitions(partitions) }
        if !removed.isEmpty {
            logger.info("Removed fetcher for partitions \(removed.sorted().map(\.description).joined(separator: ", "))")
        }
    }

    /// A new leader epoch for a partition fetched from the same leader: later fetches carry it, at the same offset.
    /// False when no fetcher has the partition.
    func updateLeaderEpoch(_ topicPartition: TopicPartition, to epoch: Int32) -> Bool {
        let all = fetchers.withLock { Array($0.values) }
        return all.contains { $0.updateLeaderEpoch(topicPartition, to: epoch) }
    }

    func isFetching(_ topicPartition: TopicPartition) -> Bool {
        fetchers.withLock { $0.values.contains { $0.contains(topicPartition) } }
    }

    /// The fetch offset of each partition being fetched (for tests and diagnostics).
    var fetchOffsets: [TopicPartition: Int64] {
        fetchers.withLock { fetchers in
            fetchers.values.reduce(into: [:]) { result, fetcher in result.merge(fetcher.fetchOffsets) { a, _ in a } }
        }
    }

    /// Stops the fetchers left without partitions (Kafka's `shutdownIdleFetcherThreads`).
    func shutdownIdleFetchers() {
        let idle: [ReplicaFetcher] = fetchers.withLock { fetchers in
            let keys = fetchers.filter { $0.value.isIdle }.map(\.key)
            return keys.compactMap { fetchers.removeValue(forKey: $0) }
        }
        for fetcher in idle { fetcher.stop() }
    }

    /// Stops every fetcher and waits for each to end.
    func shutdown() async {
        let all = fetchers.withLock { fetchers in
            defer { fetchers.removeAll() }
            return Array(fetchers.values)
        }
        for fetcher in all {
            fetcher.removeAllPartitions()
            fetcher.stop()
        }
        for fetcher in all { await fetcher.waitUntilStopped() }
    }

    /// Kafka's `getFetcherId`: `abs(31 * topic.hashCode + partition) % num.replica.fetchers`, with Java's
    /// `String.hashCode`, so partitions spread over fetchers as they do in Kafka.
    func fetcherId(_ topicPartition: TopicPartition) -> Int {
        guard configuration.numFetchers > 1 else { return 0 }
        var hash: Int32 = 0
        for unit in topicPartition.topic.utf16 { hash = hash &* 31 &+ Int32(unit) }
        let mixed = hash &* 31 &+ topicPartition.partition
        let positive = mixed == .min ? 0 : abs(mixed)
        return Int(positive) % configuration.numFetchers
    }
}
