import Coordination
import KafkaClient
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

    /// The topic's size on disk, its leaders' logs summed.
    public func logSize(topic: String) -> Int64 {
        partitions.keys.reduce(into: Int64(0)) { sum, partition in
            if partition.topic == topic, let size = logSize(partition) { sum.addSaturating(size) }
        }
    }

    /// The group's lag on one topic's partitions.
    public func lag(group: String, topic: String) -> Int64 {
        GroupLag(group: group, committed: (committedOffsets[group] ?? [:]).filter { $0.key.topic == topic },
                 endOffsets: latestOffsets).lag
    }

    /// Every group's lag, summed.
    public var totalLag: Int64 {
        committedOffsets.keys.reduce(into: Int64(0)) { $0.addSaturating(totalLag(group: $1)) }
    }

    /// Consumer lag of a group's partition: latest offset minus committed offset, never negative; nil when either
    /// is unknown.
    public func lag(group: String, partition: TopicPartition) -> Int64? {
        guard let committed = committedOffsets[group]?[partition], let latest = latestOffsets[partition] else { return nil }
        return GroupLag.lag(committed: committed, end: latest)
    }

    /// The group's lag summed over the partitions where it is known.
    public func totalLag(group: String) -> Int64 {
        GroupLag(group: group, committed: committedOffsets[group] ?? [:], endOffsets: latestOffsets).lag
    }

    /// Records and bytes per second into each topic from `earlier` to `later`, counting only the partitions present in
    /// both: a partition whose leader did not answer in one sample (a broker just killed) would otherwise make the
    /// topic's total fall and then jump back, drawing a spike of every record ever written. A shrinking log
    /// (retention, truncation) counts as no growth. Empty when no time passed between them.
    public static func topicRates(from earlier: ClusterSample, to later: ClusterSample) -> [String: Point.Rate] {
        let elapsedMs = later.timeMs - earlier.timeMs
        guard elapsedMs > 0 else { return [:] }
        var messages: [String: Int64] = [:]
        var bytes: [String: Int64] = [:]
        for partition in later.partitions.keys {
            let topic = partition.topic
            messages[topic, default: 0] += 0  // every topic is listed, with what its other partitions show
            if let now = later.latestOffsets[partition], let before = earlier.latestOffsets[partition] {
                messages[topic, default: 0].addSaturating(GroupLag.lag(committed: before, end: now))
            }
            if let now = later.logSize(partition), let before = earlier.logSize(partition) {
                bytes[topic, default: 0].addSaturating(GroupLag.lag(committed: before, end: now))
            }
        }
        let seconds = Double(elapsedMs) / 1000
        return messages.reduce(into: [:]) { result, entry in
            result[entry.key] = Point.Rate(messages: Double(entry.value) / seconds, bytes: Double(bytes[entry.key] ?? 0) / seconds)
        }
    }

    /// This sample reduced to what the charts need, with the rates since `previous` (none for the first sample).
    public func point(since previous: ClusterSample?) -> Point {
        var topicLag: [String: [String: Int64]] = [:]
        for (group, offsets) in committedOffsets {
            var lags: [String: Int64] = [:]
            for partition in offsets.keys {
                if let lag = lag(group: group, partition: partition) { lags[partition.topic, default: 0].addSaturating(lag) }
            }
            topicLag[group] = lags
        }
        let elapsedMs = previous.map { timeMs - $0.timeMs } ?? 0
        return Point(
            timeMs: timeMs, intervalMs: max(0, elapsedMs),
            topicRates: previous.map { Self.topicRates(from: $0, to: self) } ?? [:], groupTopicLag: topicLag)
    }

    /// One moment of the history the charts draw: throughput per topic since the sample before, lag per group and
    /// topic. Totals only, so that 10 minutes of samples of a cluster with 10,000 partitions stay small.
    public struct Point: Sendable {
        public struct Rate: Sendable, Hashable {
            public var messages: Double
            public var bytes: Double
        }

        public var timeMs: Int64
        /// Time since the sample before, which the rates are over (0 for the first sample).
        public var intervalMs: Int64
        public var topicRates: [String: Rate]
        /// Group -> topic -> the group's lag on the topic's partitions.
        public var groupTopicLag: [String: [String: Int64]]

        public var groups: Dictionary<String, [String: Int64]>.Keys { groupTopicLag.keys }

        public func totalLag(group: String) -> Int64 {
            groupTopicLag[group]?.values.reduce(into: Int64(0)) { $0.addSaturating($1) } ?? 0
        }
    }
}

extension Int64 {
    /// Offsets and sizes come from other brokers: a sum of them must not trap, it stops at the largest value.
    mutating func addSaturating(_ other: Int64) {
        let (sum, overflow) = addingReportingOverflow(other)
        self = overflow ? (other > 0 ? .max : .min) : sum
    }
}
