import Coordination
import Foundation
import KafkaClient
import KafkaProtocol
import Logging
import Synchronization

/// Samples the whole cluster every `interval` for the console's pages and charts and for the consumer-lag metrics,
/// keeping the last `historyLength` samples (10 minutes at the defaults).
///
/// Everything it asks goes through the Kafka protocol to the brokers (one ListOffsets per leader and one
/// DescribeLogDirs per broker, ListGroups per broker and OffsetFetch per group, through this broker's own
/// inter-broker listener), off the request path: a page or a scrape only reads the latest samples. Sampling starts only
/// when `metrics.listener` is set.
final class ClusterSampler: Sendable {
    struct Configuration: Sendable {
        var interval: Duration = .seconds(5)
        var historyLength = 120
    }

    private let configuration: Configuration
    private let metadataCache: MetadataCache
    private let client: KafkaClusterClient
    private let logger: Logger
    /// The latest sample whole, and the history as chart points (the whole samples would be hundreds of MB for
    /// 10,000 partitions over 10 minutes).
    private let state = Mutex<(latest: ClusterSample?, points: [ClusterSample.Point])>((nil, []))

    init(
        configuration: Configuration = Configuration(), metadataCache: MetadataCache, client: KafkaClusterClient,
        logger: Logger
    ) {
        self.configuration = configuration
        self.metadataCache = metadataCache
        self.client = client
        self.logger = logger
    }

    /// The newest sample, or nil before the first one.
    var latest: ClusterSample? { state.withLock { $0.latest } }

    /// The history of chart points, oldest first, the latest sample's last.
    var samples: [ClusterSample.Point] { state.withLock { $0.points } }

    /// Samples until cancelled.
    func run() async {
        while !Task.isCancelled {
            let sample = await sample()
            let point = sample.point(since: latest)
            state.withLock { state in
                state.latest = sample
                state.points.append(point)
                if state.points.count > configuration.historyLength {
                    state.points.removeFirst(state.points.count - configuration.historyLength)
                }
            }
            try? await Task.sleep(for: configuration.interval)
        }
        await client.close()
    }

    /// One sample now. Parts that cannot be read (a broker down, ZooKeeper away) are left out and logged at debug:
    /// the next sample tries again.
    func sample() async -> ClusterSample {
        let view = metadataCache.clusterView()
        var sample = ClusterSample(
            timeMs: Self.nowMs(), controllerId: view.controllerId,
            brokers: view.brokers.map { node in
                ClusterSample.Broker(
                    id: node.id, rack: node.rack,
                    endPoints: node.endpoints.sorted { $0.key < $1.key }.map { "\($0.key)://\($0.value.host):\($0.value.port)" })
            },
            partitions: Dictionary(view.partitions.map { (TopicPartition($0.topic, $0.partition), $0) }, uniquingKeysWith: { _, last in last }))
        _ = try? await client.metadata(topics: [], timeout: .seconds(2))
        var byLeader: [Int32: [TopicPartition]] = [:]
        for (partition, state) in sample.partitions where sample.isAlive(state.leader) {
            byLeader[state.leader, default: []].append(partition)
        }
        sample.latestOffsets = await client.latestOffsets(byLeader: byLeader)
        for broker in sample.brokers {
            do {
                let dirs = try await client.describeLogDirs(brokerId: broker.id)
                for dir in dirs.logDirs where dir.errorCode == .noError {
                    for replica in dir.replicas where !replica.isFuture {
                        sample.replicaSizes[replica.topicPartition, default: [:]][broker.id] = replica.sizeInBytes
                    }
                }
            } catch {
                logger.debug("Sampling the log dirs of broker \(broker.id) failed: \(error)")
            }
        }
        // Committed offsets as the coordinators serve them (OffsetFetch, from their memory), not read from
        // ZooKeeper partition by partition: sampling must not load ZooKeeper with the whole offsets tree every few
        // seconds. A group list that cannot be had now is the previous sample's.
        let groups: [String]
        if let listed = try? await client.listGroups() {
            groups = listed.map(\.groupId)
        } else {
            groups = latest.map { Array($0.committedOffsets.keys) } ?? []
        }
        for group in groups.sorted() {
            guard let offsets = try? await client.committedOffsets(group: group) else { continue }
            var committed: [TopicPartition: Int64] = [:]
            for (topic, partitions) in offsets {
                for (partition, offset) in partitions { committed[TopicPartition(topic, partition)] = offset.offset }
            }
            if !committed.isEmpty { sample.committedOffsets[group] = committed }
        }
        return sample
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
