import Coordination
import KafkaProtocol

/// What the cluster looked like at one moment, as the console and the lag metrics show it: the controller's view
/// of brokers and partitions (this broker's metadata cache), the partitions' latest offsets and log sizes (asked of
/// every broker), and every group's committed offsets (from its coordinator). Derived figures (lag, under-replication,
/// throughput against an earlier sample) are computed here, so the pages and the metrics agree.
public struct ClusterSample: Sendable {
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        public var rack: String?
        /// "LISTENER://host:port", one per listener.
        public var endPoints: [String]
    }

    public var timeMs: Int64
    public var controllerId: Int32?
    public var brokers: [Broker]
    /// Every partition of every topic, keyed for lookups.
    public var partitions: [TopicPartition: PartitionState]
    /// The high watermark of each partition whose leader answered.
    public var latestOffsets: [TopicPartition: Int64]
    /// Each replica's size on disk: partition -> broker -> bytes, from DescribeLogDirs.
    public var replicaSizes: [TopicPartition: [Int32: Int64]]
    /// Group -> committed offset per partition.
    public var committedOffsets: [String: [TopicPartition: Int64]]

    public init(
        timeMs: Int64, controllerId: Int32?, brokers: [Broker], partitions: [TopicPartition: PartitionState],
        latestOffsets: [TopicPartition: Int64] = [:], replicaSizes: [TopicPartition: [Int32: Int64]] = [:],
        committedOffsets: [String: [TopicPartition: Int64]] = [:]
    ) {
        self.timeMs = timeMs
        self.controllerId = controllerId
        self.brokers = brokers
        self.partitions = partitions
        self.latestOffsets = latestOffsets
        self.replicaSizes = replicaSizes
        self.committedOffsets = committedOffsets
    }

    public var topics: [String] { Set(partitions.keys.map(\.topic)).sorted() }

    /// The topic's partitions in index order.
    public func partitions(of topic: String) -> [PartitionState] {
        partitions.values.filter { $0.topic == topic }.sorted { $0.partition < $1.partition }
    }

    public func isAlive(_ broker: Int32) -> Bool { brokers.contains { $0.id == broker } }

    /// Kafka's UnderReplicatedPartitions: fewer in-sync replicas than assigned ones (offline ones excluded).
    public func isUnderReplicated(_ state: PartitionState) -> Bool {
        !isOffline(state) && state.isr.count < state.replicas.count
    }

    /// Kafka's OfflinePartitionsCount: no leader, or a leader that is not alive.
    public func isOffline(_ state: PartitionState) -> Bool {
        state.leader < 0 || !isAlive(state.leader)
    }

    /// The leader's log size, else the largest replica's.
    public func logSize(_ partition: TopicPartition) -> Int64? {
        guard let sizes = replicaSizes[partition] else { return nil }
        if let leader = partitions[partition]?.leader, let size = sizes[leader] { return size }
        return sizes.values.max()
    }

    /// Consumer lag of a group's partition: latest offset minus committed offset, never negative; nil when either
    /// is unknown.
    public func lag(group: String, partition: TopicPartition) -> Int64? {
        guard let committed = committedOffsets[group]?[partition], let latest = latestOffsets[partition] else { return nil }
        return max(0, latest - committed)
    }

    /// The group's lag summed over the partitions where it is known.
    public func totalLag(group: String) -> Int64 {
        (committedOffsets[group] ?? [:]).keys.reduce(0) { $0 + (lag(group: group, partition: $1) ?? 0) }
    }

    /// Records per second into `topic` since `earlier`, from the growth of its latest offsets; nil without a usable
    /// earlier sample.
    public func messagesInPerSecond(topic: String, since earlier: ClusterSample) -> Double? {
        rate(since: earlier) { sample in
            sample.latestOffsets.reduce(Int64(0)) { $1.key.topic == topic ? $0 + $1.value : $0 }
        }
    }

    /// Bytes per second into `topic` since `earlier`, from the growth of its leaders' logs (retention makes a
    /// log shrink: such a fall counts as no growth).
    public func bytesInPerSecond(topic: String, since earlier: ClusterSample) -> Double? {
        rate(since: earlier) { sample in
            sample.partitions.keys.reduce(Int64(0)) { $1.topic == topic ? $0 + (sample.logSize($1) ?? 0) : $0 }
        }
    }

    private func rate(since earlier: ClusterSample, _ total: (ClusterSample) -> Int64) -> Double? {
        let elapsedMs = timeMs - earlier.timeMs
        guard elapsedMs > 0 else { return nil }
        return Double(max(0, total(self) - total(earlier))) * 1000 / Double(elapsedMs)
    }

    /// This sample reduced to what the charts need, for the history.
    public var point: Point {
        var offsets: [String: Int64] = [:], bytes: [String: Int64] = [:]
        for (partition, offset) in latestOffsets { offsets[partition.topic, default: 0] += offset }
        for partition in replicaSizes.keys { bytes[partition.topic, default: 0] += logSize(partition) ?? 0 }
        return Point(
            timeMs: timeMs, topicOffsets: offsets, topicBytes: bytes,
            groupLag: Dictionary(uniqueKeysWithValues: committedOffsets.keys.map { ($0, totalLag(group: $0)) }))
    }

    /// One moment of the history the charts draw (throughput per topic, lag per group): per-topic and per-group
    /// totals only, so that 10 minutes of samples of a cluster with 10,000 partitions stay small.
    public struct Point: Sendable {
        public var timeMs: Int64
        /// The sum of each topic's partitions' latest offsets.
        public var topicOffsets: [String: Int64]
        /// The sum of each topic's partitions' log sizes (leaders').
        public var topicBytes: [String: Int64]
        public var groupLag: [String: Int64]

        public func totalLag(group: String) -> Int64 { groupLag[group] ?? 0 }

        /// Records per second into `topic` since `earlier`; nil without time between them or without the topic in
        /// both (a topic created or deleted between them has no rate yet).
        public func messagesInPerSecond(topic: String, since earlier: Point) -> Double? {
            rate(topicOffsets[topic], earlier.topicOffsets[topic], since: earlier)
        }

        /// Bytes per second into `topic` since `earlier` (a log shrunk by retention counts as no growth).
        public func bytesInPerSecond(topic: String, since earlier: Point) -> Double? {
            rate(topicBytes[topic], earlier.topicBytes[topic], since: earlier)
        }

        private func rate(_ now: Int64?, _ before: Int64?, since earlier: Point) -> Double? {
            let elapsedMs = timeMs - earlier.timeMs
            guard elapsedMs > 0, let now, let before else { return nil }
            return Double(max(0, now - before)) * 1000 / Double(elapsedMs)
        }
    }
}
