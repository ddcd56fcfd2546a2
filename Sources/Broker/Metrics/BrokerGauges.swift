import Coordination
import CoreMetrics
import KafkaProtocol
import Prometheus
import Storage
import Synchronization
import ZooKeeper

/// The metrics that are state rather than events, read at each scrape (as Kafka's gauges are read at each JMX
/// poll): this broker's replicas and logs, the controller's view, the ZooKeeper session, consumer lag of the groups
/// this broker coordinates, and the process. Reading takes each partition's lock briefly and nothing else, so a
/// scrape does not hold up produce or fetch.
final class BrokerGauges: Sendable {
    /// Where the state is read from, as closures so the gauges need not know the server's parts.
    struct Source: Sendable {
        var brokerId: Int32
        var partitions: @Sendable () -> [Partition]
        var isActiveController: @Sendable () -> Bool
        var leadership: @Sendable () -> MetadataCache.LeadershipSummary
        var sessionState: @Sendable () -> SessionState
    }

    let metrics: BrokerMetrics
    private let source: Source
    private let sampler: ClusterSampler?
    private let families = Families()
    private let cpu: FloatingPointCounter
    private let lastCpuSeconds = Mutex<Double>(0)
    /// The size of the last scrape's text, reserved up front for the next one.
    private let lastScrapeBytes = Atomic<Int>(0)

    init(metrics: BrokerMetrics, source: Source, sampler: ClusterSampler?) {
        self.metrics = metrics
        self.source = source
        self.sampler = sampler
        cpu = FloatingPointCounter(label: "process_cpu_seconds_total", factory: metrics.factory)
    }

    /// The whole scrape: the registry's families (events counted as they happen), then every gauge read now.
    func scrape() -> [UInt8] {
        let process = ProcessMetrics.read()
        if let process { addCpuSeconds(process.cpuSeconds) }
        var text = PrometheusText(capacity: lastScrapeBytes.load(ordering: .relaxed) + 64 * 1024)
        metrics.registry.emit(into: &text.bytes)
        writeReplicaManager(into: &text)
        writeController(into: &text)
        writeSession(into: &text)
        writeConsumerLag(into: &text)
        if let process { writeProcess(process, into: &text) }
        lastScrapeBytes.store(text.bytes.count, ordering: .relaxed)
        return text.bytes
    }

    /// One partition replica's figures, read once and written into five families.
    private struct PartitionRow {
        /// Where its `{topic="...",partition="..."}` is in the scrape's label text (written once per partition).
        var labels: Range<Int>
        var log: LogSummary
        /// nil where this broker does not lead the partition; else whether its ISR is short of its replicas.
        var underReplicated: Bool?
    }

    private func writeReplicaManager(into text: inout PrometheusText) {
        var leaderCount = 0, underReplicated = 0, underMinIsr = 0, atMinIsr = 0
        // Topics in name order, each one's partitions in index order, so the answer reads (and diffs) the same
        // from scrape to scrape: grouped by topic, not thousands of names compared.
        var byTopic: [String: [(Int32, Partition)]] = [:]
        var partitionCount = 0
        for partition in source.partitions() {
            byTopic[partition.topicPartition.topic, default: []].append((partition.topicPartition.partition, partition))
            partitionCount += 1
        }
        // Each partition's labels are written once, then copied into each family's line.
        var labels = PrometheusText(capacity: partitionCount * 48)
        var rows: [PartitionRow] = []
        rows.reserveCapacity(partitionCount)
        for topic in byTopic.keys.sorted() {
            for (index, partition) in byTopic[topic]!.sorted(by: { $0.0 < $1.0 }) {
                let start = labels.bytes.count
                labels.labels(Self.partitionLabelNames, topic, index)
                var row = PartitionRow(labels: start..<labels.bytes.count, log: partition.log.summary)
                let counts = partition.replicaCounts
                if counts.leader == source.brokerId {
                    leaderCount += 1
                    let isUnder = counts.isr < counts.replicas
                    if isUnder { underReplicated += 1 }
                    row.underReplicated = isUnder
                    let minIsr = partition.minInsyncReplicas
                    if counts.isr < minIsr { underMinIsr += 1 }
                    if counts.isr == minIsr { atMinIsr += 1 }
                }
                rows.append(row)
            }
        }
        text.single(families.partitionCount, partitionCount)
        text.single(families.leaderCount, leaderCount)
        text.single(families.underReplicated, underReplicated)
        text.single(families.underMinIsr, underMinIsr)
        text.single(families.atMinIsr, atMinIsr)
        labels.bytes.withUnsafeBufferPointer { labelBytes in
            func perPartition(_ family: ScrapedGaugeFamily, _ value: (PartitionRow) -> Int64?) {
                for row in rows {
                    guard let value = value(row) else { continue }
                    text.sample(family, labels: UnsafeBufferPointer(rebasing: labelBytes[row.labels]), value: value)
                }
            }
            perPartition(families.logSize) { Int64($0.log.sizeInBytes) }
            perPartition(families.logEndOffset) { $0.log.logEndOffset }
            perPartition(families.logStartOffset) { $0.log.logStartOffset }
            perPartition(families.numLogSegments) { Int64($0.log.numberOfSegments) }
            perPartition(families.partitionUnderReplicated) { $0.underReplicated.map { $0 ? 1 : 0 } }
        }
    }

    static let partitionLabelNames = ["topic", "partition"]

    /// As Kafka: the controller-only gauges are 0 on every other broker, so summing over brokers gives the cluster.
    private func writeController(into text: inout PrometheusText) {
        let active = source.isActiveController()
        let summary = active ? source.leadership() : MetadataCache.LeadershipSummary(topics: 0)
        text.single(families.activeControllerCount, active ? 1 : 0)
        text.single(families.offlinePartitions, summary.offline)
        text.single(families.preferredReplicaImbalance, summary.preferredReplicaImbalance)
        text.single(families.globalTopicCount, summary.topics)
        text.single(families.globalPartitionCount, summary.partitions)
    }

    /// Kafka's SessionState gauge is a string (CONNECTED, CONNECTING, ...): one series per state, 1 for the current.
    private func writeSession(into text: inout PrometheusText) {
        let current = Self.kafkaSessionState(source.sessionState())
        for state in Self.sessionStates {
            text.sample(families.sessionState, state, value: state == current ? 1 : 0)
        }
    }

    static let sessionStates = ["CONNECTING", "CONNECTED", "AUTH_FAILED", "CLOSED"]

    /// ZooKeeper's Java client names: reconnecting is CONNECTING, an expired or closed session is CLOSED.
    static func kafkaSessionState(_ state: SessionState) -> String {
        switch state {
        case .connecting, .disconnected: "CONNECTING"
        case .connected: "CONNECTED"
        case .authFailed: "AUTH_FAILED"
        case .expired, .closed: "CLOSED"
        }
    }

    /// Lag of the groups this broker coordinates, from the sampler's latest sample (committed offsets in
    /// ZooKeeper, latest offsets from the leaders); no series before the first sample.
    private func writeConsumerLag(into text: inout PrometheusText) {
        var groups: [(group: String, offsets: [(partition: TopicPartition, committed: Int64, lag: Int64?)], total: Int64)] = []
        if let sample = sampler?.latest {
            let alive = sample.brokers.map(\.id)
            for (group, offsets) in sample.committedOffsets
            where GroupCoordinatorSelection.coordinator(for: group, among: alive) == source.brokerId {
                let partitions = offsets.sorted { $0.key < $1.key }.map { (partition: $0.key, committed: $0.value, lag: sample.lag(group: group, partition: $0.key)) }
                groups.append((group, partitions, sample.totalLag(group: group)))
            }
        }
        groups.sort { $0.group < $1.group }
        for (group, offsets, _) in groups {
            for (partition, _, lag) in offsets {
                guard let lag else { continue }
                text.sample(families.consumerGroupLag, group, partition.topic, partition.partition, value: lag)
            }
        }
        for (group, offsets, _) in groups {
            for (partition, committed, _) in offsets {
                text.sample(families.consumerGroupOffset, group, partition.topic, partition.partition, value: committed)
            }
        }
        for (group, _, total) in groups {
            text.sample(families.consumerGroupLagSum, group, value: total)
        }
    }

    private func writeProcess(_ process: ProcessMetrics, into text: inout PrometheusText) {
        text.single(families.residentMemory, process.residentMemoryBytes)
        text.single(families.virtualMemory, process.virtualMemoryBytes)
        text.single(families.openFds, process.openFileDescriptors)
        text.single(families.maxFds, process.maxFileDescriptors)
        text.single(families.startTime, process.startTimeSeconds)
        text.single(families.threads, process.threads)
    }

    /// A counter only grows: adds what was used since the last scrape.
    private func addCpuSeconds(_ seconds: Double) {
        let delta = lastCpuSeconds.withLock { last -> Double in
            let delta = max(0, seconds - last)
            last = max(last, seconds)
            return delta
        }
        if delta > 0 { cpu.increment(by: delta) }
    }
}

extension BrokerGauges {
    /// Names, labels and help of every scraped gauge.
    struct Families: Sendable {
        let partitionCount, leaderCount, underReplicated, underMinIsr, atMinIsr: ScrapedGaugeFamily
        let logSize, logEndOffset, logStartOffset, numLogSegments, partitionUnderReplicated: ScrapedGaugeFamily
        let activeControllerCount, offlinePartitions, preferredReplicaImbalance, globalTopicCount, globalPartitionCount: ScrapedGaugeFamily
        let sessionState: ScrapedGaugeFamily
        let consumerGroupLag, consumerGroupOffset, consumerGroupLagSum: ScrapedGaugeFamily
        let residentMemory, virtualMemory, openFds, maxFds, startTime, threads: ScrapedGaugeFamily

        init() {
            func family(_ name: String, _ labels: [String], _ help: String) -> ScrapedGaugeFamily {
                ScrapedGaugeFamily(name, labels: labels, help: help)
            }
            func family(_ name: String, _ help: String) -> ScrapedGaugeFamily {
                ScrapedGaugeFamily(name, labels: [], help: help)
            }
            let rm = "kafka_server_replicamanager_", partitionLabels = BrokerGauges.partitionLabelNames
            partitionCount = family(rm + "partitioncount", "Partitions with a replica on this broker.")
            leaderCount = family(rm + "leadercount", "Partitions this broker leads.")
            underReplicated = family(rm + "underreplicatedpartitions", "Led partitions whose ISR is smaller than their replica set.")
            underMinIsr = family(rm + "underminisrpartitioncount", "Led partitions whose ISR is below min.insync.replicas.")
            atMinIsr = family(rm + "atminisrpartitioncount", "Led partitions whose ISR is exactly min.insync.replicas.")
            logSize = family("kafka_log_log_size", partitionLabels, "Bytes of the partition's log on this broker.")
            logEndOffset = family("kafka_log_log_logendoffset", partitionLabels, "The log's next offset.")
            logStartOffset = family("kafka_log_log_logstartoffset", partitionLabels, "The log's first offset.")
            numLogSegments = family("kafka_log_log_numlogsegments", partitionLabels, "Segments of the log.")
            partitionUnderReplicated = family(
                "kafka_cluster_partition_underreplicated", partitionLabels, "1 when this led partition is under-replicated.")
            let kc = "kafka_controller_kafkacontroller_"
            activeControllerCount = family(kc + "activecontrollercount", "1 on the active controller, else 0.")
            offlinePartitions = family(kc + "offlinepartitionscount", "Partitions without a live leader (controller only).")
            preferredReplicaImbalance = family(
                kc + "preferredreplicaimbalancecount", "Partitions not led by their preferred replica (controller only).")
            globalTopicCount = family(kc + "globaltopiccount", "Topics in the cluster (controller only).")
            globalPartitionCount = family(kc + "globalpartitioncount", "Partitions in the cluster (controller only).")
            sessionState = family(
                "kafka_server_sessionexpirelistener_sessionstate", ["state"], "1 for the ZooKeeper session's current state.")
            consumerGroupLag = family(
                "kafka_consumergroup_lag", ["consumergroup", "topic", "partition"],
                "Latest offset minus committed offset, for groups this broker coordinates.")
            consumerGroupOffset = family(
                "kafka_consumergroup_current_offset", ["consumergroup", "topic", "partition"],
                "Committed offset, for groups this broker coordinates.")
            consumerGroupLagSum = family(
                "kafka_consumergroup_lag_sum", ["consumergroup"], "The group's lag over all its partitions.")
            residentMemory = family("process_resident_memory_bytes", "Resident memory size in bytes.")
            virtualMemory = family("process_virtual_memory_bytes", "Virtual memory size in bytes.")
            openFds = family("process_open_fds", "Open file descriptors.")
            maxFds = family("process_max_fds", "Maximum open file descriptors.")
            startTime = family("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.")
            threads = family("process_threads", "Threads of the process.")
        }
    }
}
