import Coordination
import CoreMetrics
import KafkaProtocol
import Prometheus
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
        var metadata: @Sendable () -> (controllerId: Int32?, brokers: [MetadataCache.Node], partitions: [PartitionState])
        var sessionState: @Sendable () -> SessionState
    }

    let metrics: BrokerMetrics
    private let source: Source
    private let sampler: ClusterSampler?
    private let families: Families
    private let cpu: FloatingPointCounter
    private let lastCpuSeconds = Mutex<Double>(0)

    init(metrics: BrokerMetrics, source: Source, sampler: ClusterSampler?) {
        self.metrics = metrics
        self.source = source
        self.sampler = sampler
        families = Families(metrics.registry)
        cpu = FloatingPointCounter(label: "process_cpu_seconds_total", factory: metrics.factory)
    }

    /// Sets every gauge to its current value.
    func update() {
        updateReplicaManager()
        updateController()
        updateSession()
        updateConsumerLag()
        updateProcess()
    }

    private func updateReplicaManager() {
        var partitionCount = 0, leaderCount = 0, underReplicated = 0, underMinIsr = 0, atMinIsr = 0
        var sizes: [([String], Double)] = [], ends: [([String], Double)] = [], starts: [([String], Double)] = []
        var segments: [([String], Double)] = [], partitionUnderReplicated: [([String], Double)] = []
        for partition in source.partitions() {
            partitionCount += 1
            let labels = [partition.topicPartition.topic, String(partition.topicPartition.partition)]
            let log = partition.log
            sizes.append((labels, Double(log.sizeInBytes)))
            ends.append((labels, Double(log.logEndOffset)))
            starts.append((labels, Double(log.logStartOffset)))
            segments.append((labels, Double(log.numberOfSegments)))
            let state = partition.leaderState
            guard state.leader == source.brokerId else { continue }
            leaderCount += 1
            let isUnder = state.isr.count < state.replicas.count
            if isUnder { underReplicated += 1 }
            partitionUnderReplicated.append((labels, isUnder ? 1 : 0))
            let minIsr = partition.minInsyncReplicas
            if state.isr.count < minIsr { underMinIsr += 1 }
            if state.isr.count == minIsr { atMinIsr += 1 }
        }
        families.partitionCount.set(Double(partitionCount))
        families.leaderCount.set(Double(leaderCount))
        families.underReplicated.set(Double(underReplicated))
        families.underMinIsr.set(Double(underMinIsr))
        families.atMinIsr.set(Double(atMinIsr))
        families.logSize.update(sizes.map { ($0.0, $0.1) })
        families.logEndOffset.update(ends.map { ($0.0, $0.1) })
        families.logStartOffset.update(starts.map { ($0.0, $0.1) })
        families.numLogSegments.update(segments.map { ($0.0, $0.1) })
        families.partitionUnderReplicated.update(partitionUnderReplicated.map { ($0.0, $0.1) })
    }

    /// As Kafka: the controller-only gauges are 0 on every other broker, so summing over brokers gives the cluster.
    private func updateController() {
        let active = source.isActiveController()
        families.activeControllerCount.set(active ? 1 : 0)
        var offline = 0, imbalance = 0, topics = Set<String>(), partitions = 0
        if active {
            let view = source.metadata()
            let alive = Set(view.brokers.map(\.id))
            for state in view.partitions {
                partitions += 1
                topics.insert(state.topic)
                if state.leader < 0 || !alive.contains(state.leader) { offline += 1 }
                if let preferred = state.replicas.first, state.leader >= 0, state.leader != preferred { imbalance += 1 }
            }
        }
        families.offlinePartitions.set(Double(offline))
        families.preferredReplicaImbalance.set(Double(imbalance))
        families.globalTopicCount.set(Double(topics.count))
        families.globalPartitionCount.set(Double(partitions))
    }

    /// Kafka's SessionState gauge is a string (CONNECTED, CONNECTING, ...): one series per state, 1 for the current.
    private func updateSession() {
        let current = Self.kafkaSessionState(source.sessionState())
        families.sessionState.update(Self.sessionStates.map { ([$0], $0 == current ? 1 : 0) })
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
    /// ZooKeeper, latest offsets from the leaders); nothing before the first sample.
    private func updateConsumerLag() {
        var lags: [([String], Double)] = [], committed: [([String], Double)] = [], totals: [([String], Double)] = []
        if let sample = sampler?.latest {
            let alive = sample.brokers.map(\.id)
            for (group, offsets) in sample.committedOffsets
            where GroupCoordinatorSelection.coordinator(for: group, among: alive) == source.brokerId {
                for (partition, offset) in offsets {
                    let labels = [group, partition.topic, String(partition.partition)]
                    committed.append((labels, Double(offset)))
                    if let lag = sample.lag(group: group, partition: partition) { lags.append((labels, Double(lag))) }
                }
                totals.append(([group], Double(sample.totalLag(group: group))))
            }
        }
        families.consumerGroupLag.update(lags.map { ($0.0, $0.1) })
        families.consumerGroupOffset.update(committed.map { ($0.0, $0.1) })
        families.consumerGroupLagSum.update(totals.map { ($0.0, $0.1) })
    }

    private func updateProcess() {
        guard let process = ProcessMetrics.read() else { return }
        families.residentMemory.set(process.residentMemoryBytes)
        families.virtualMemory.set(process.virtualMemoryBytes)
        families.openFds.set(process.openFileDescriptors)
        families.maxFds.set(process.maxFileDescriptors)
        families.startTime.set(process.startTimeSeconds)
        families.threads.set(process.threads)
        // A counter only grows: add what was used since the last scrape.
        let delta = lastCpuSeconds.withLock { last -> Double in
            let delta = max(0, process.cpuSeconds - last)
            last = max(last, process.cpuSeconds)
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

        init(_ registry: PrometheusCollectorRegistry) {
            func family(_ name: String, _ labels: [String], _ help: String) -> ScrapedGaugeFamily {
                ScrapedGaugeFamily(name, labels: labels, help: help, registry: registry)
            }
            func family(_ name: String, _ help: String) -> ScrapedGaugeFamily {
                ScrapedGaugeFamily(name, labels: [], help: help, registry: registry)
            }
            let rm = "kafka_server_replicamanager_", partitionLabels = ["topic", "partition"]
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
