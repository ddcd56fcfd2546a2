import KafkaProtocol

/// Throughput and lag over the sampler's history, for the console's figures and charts.
///
/// A rate between two samples counts only the partitions present in both: a partition whose leader did not answer
/// in one sample (a broker just killed) would otherwise make the topic's total fall and then jump back, drawing a
/// spike of every record ever written. A shrinking log (retention, truncation) counts as no growth.
struct ConsoleHistory {
    /// Oldest first, as `ClusterSampler.samples`.
    let samples: [ClusterSample]

    var latest: ClusterSample? { samples.last }

    /// From the oldest sample to the newest: every chart of a page spans this.
    var timeDomain: ClosedRange<Int64>? {
        guard let first = samples.first, let last = samples.last else { return nil }
        return first.timeMs...last.timeMs
    }

    /// The sample the headline rates compare against: the oldest within `window` of the latest, else the one
    /// before it.
    func baseline(windowMs: Int64 = 30_000) -> ClusterSample? {
        guard let latest, samples.count > 1 else { return nil }
        let candidates = samples.dropLast()
        return candidates.first { latest.timeMs - $0.timeMs <= windowMs } ?? candidates.last
    }

    /// Records and bytes per second into each topic between `earlier` and `later`.
    static func topicRates(from earlier: ClusterSample, to later: ClusterSample) -> [String: (messages: Double, bytes: Double)] {
        let elapsedMs = later.timeMs - earlier.timeMs
        guard elapsedMs > 0 else { return [:] }
        var messages: [String: Int64] = [:]
        var bytes: [String: Int64] = [:]
        for partition in later.partitions.keys {
            let topic = partition.topic
            if let now = later.latestOffsets[partition], let before = earlier.latestOffsets[partition] {
                messages[topic, default: 0] += max(0, now - before)
            } else {
                messages[topic, default: 0] += 0  // the topic is listed with what its other partitions show
            }
            if let now = later.logSize(partition), let before = earlier.logSize(partition) {
                bytes[topic, default: 0] += max(0, now - before)
            }
        }
        let seconds = Double(elapsedMs) / 1000
        return messages.reduce(into: [:]) { result, entry in
            result[entry.key] = (Double(entry.value) / seconds, Double(bytes[entry.key] ?? 0) / seconds)
        }
    }

    /// The headline rates: latest against `baseline()`; empty until there are two samples.
    func currentTopicRates() -> [String: (messages: Double, bytes: Double)] {
        guard let latest, let baseline = baseline() else { return [:] }
        return Self.topicRates(from: baseline, to: latest)
    }

    /// Records (or bytes) per second into each of `topics` (all when nil), one point per pair of consecutive samples.
    func throughputSeries(topics: Set<String>? = nil, bytes: Bool = false) -> [SvgChart.Series] {
        var points: [String: [SvgChart.Point]] = [:]
        for (earlier, later) in zip(samples, samples.dropFirst()) {
            for (topic, rate) in Self.topicRates(from: earlier, to: later) where topics?.contains(topic) ?? true {
                points[topic, default: []].append(.init(timeMs: later.timeMs, value: bytes ? rate.bytes : rate.messages))
            }
        }
        return points.sorted { $0.key < $1.key }.map { SvgChart.Series(name: $0.key, points: $0.value) }
    }

    /// Each group's total lag (of `groups`, all when nil), one point per sample.
    func lagSeries(groups: Set<String>? = nil) -> [SvgChart.Series] {
        var points: [String: [SvgChart.Point]] = [:]
        for sample in samples {
            for group in sample.committedOffsets.keys where groups?.contains(group) ?? true {
                points[group, default: []].append(.init(timeMs: sample.timeMs, value: Double(sample.totalLag(group: group))))
            }
        }
        return points.sorted { $0.key < $1.key }.map { SvgChart.Series(name: $0.key, points: $0.value) }
    }

    /// One partition's lag for `group`, one point per sample where it is known.
    func lagSeries(group: String, partition: TopicPartition) -> [SvgChart.Point] {
        samples.compactMap { sample in
            sample.lag(group: group, partition: partition).map { .init(timeMs: sample.timeMs, value: Double($0)) }
        }
    }
}
