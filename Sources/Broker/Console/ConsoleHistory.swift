import KafkaProtocol

/// Throughput and lag over the sampler's history, for the console's figures and charts: the latest sample whole,
/// and the chart points before it (rates between consecutive samples, lag per group and topic).
struct ConsoleHistory {
    let latest: ClusterSample?
    /// Oldest first, as `ClusterSampler.samples`; the latest sample's point last.
    let points: [ClusterSample.Point]

    init(latest: ClusterSample?, points: [ClusterSample.Point]) {
        self.latest = latest
        self.points = points
    }

    /// A history of whole samples, oldest first (tests, and anything that has them).
    init(samples: [ClusterSample]) {
        latest = samples.last
        points = zip(samples, [nil] + samples.dropLast().map { Optional($0) }).map { sample, previous in
            sample.point(since: previous)
        }
    }

    /// From the oldest point to the newest: every chart of a page spans this.
    var timeDomain: ClosedRange<Int64>? {
        guard let first = points.first, let last = points.last else { return nil }
        return first.timeMs...last.timeMs
    }

    /// Records and bytes per second into each topic between two samples (see `ClusterSample.topicRates`).
    static func topicRates(from earlier: ClusterSample, to later: ClusterSample) -> [String: ClusterSample.Point.Rate] {
        ClusterSample.topicRates(from: earlier, to: later)
    }

    /// The headline rates: over the last `windowMs` (each interval weighted by its length); empty until there are
    /// two samples.
    func currentTopicRates(windowMs: Int64 = 30_000) -> [String: ClusterSample.Point.Rate] {
        guard let last = points.last else { return [:] }
        let recent = points.filter { $0.intervalMs > 0 && last.timeMs - $0.timeMs < windowMs }
        let totalMs = recent.reduce(Int64(0)) { $0 + $1.intervalMs }
        guard totalMs > 0 else { return [:] }
        var sums: [String: (messages: Double, bytes: Double)] = [:]
        for point in recent {
            let weight = Double(point.intervalMs)
            for (topic, rate) in point.topicRates {
                sums[topic, default: (0, 0)].messages += rate.messages * weight
                sums[topic, default: (0, 0)].bytes += rate.bytes * weight
            }
        }
        return sums.mapValues { .init(messages: $0.messages / Double(totalMs), bytes: $0.bytes / Double(totalMs)) }
    }

    /// Records (or bytes) per second into each of `topics` (all when nil), one point per interval between samples.
    func throughputSeries(topics: Set<String>? = nil, bytes: Bool = false) -> [SvgChart.Series] {
        var series: [String: [SvgChart.Point]] = [:]
        for point in points where point.intervalMs > 0 {
            for (topic, rate) in point.topicRates where topics?.contains(topic) ?? true {
                series[topic, default: []].append(.init(timeMs: point.timeMs, value: bytes ? rate.bytes : rate.messages))
            }
        }
        return series.sorted { $0.key < $1.key }.map { SvgChart.Series(name: $0.key, points: $0.value) }
    }

    /// Each group's total lag (of `groups`, all when nil), one point per sample.
    func lagSeries(groups: Set<String>? = nil) -> [SvgChart.Series] {
        var series: [String: [SvgChart.Point]] = [:]
        for point in points {
            for group in point.groups where groups?.contains(group) ?? true {
                series[group, default: []].append(.init(timeMs: point.timeMs, value: Double(point.totalLag(group: group))))
            }
        }
        return series.sorted { $0.key < $1.key }.map { SvgChart.Series(name: $0.key, points: $0.value) }
    }

    /// One group's lag summed per topic, one point per sample.
    func lagByTopic(group: String) -> [SvgChart.Series] {
        var series: [String: [SvgChart.Point]] = [:]
        for point in points {
            for (topic, lag) in point.groupTopicLag[group] ?? [:] {
                series[topic, default: []].append(.init(timeMs: point.timeMs, value: Double(lag)))
            }
        }
        return series.sorted { $0.key < $1.key }.map { SvgChart.Series(name: $0.key, points: $0.value) }
    }
}
