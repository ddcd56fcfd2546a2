/// The byte rate of one replication direction against its bound (the sensor of Kafka's `ReplicationQuotaManager`):
/// bytes recorded into `samples` windows of `windowMs` (`replication.quota.window.num`,
/// `replication.quota.window.size.seconds`), measured as Kafka's `Rate` measures them. A value type: every decision
/// takes the time, so tests drive it one line per case.
///
/// Kafka's `Rate` divides by at least `samples - 1` full windows, so right after a quiet spell a burst of up to
/// about `(samples - 1) * bound` bytes passes before the quota counts as exceeded; after that the rate holds.
struct ReplicationQuota: Sendable, Equatable {
    /// Kafka's `QuotaConfigs.DefaultReplicationThrottledRate`: no throttle.
    static let unthrottled = Int64.max

    private struct Sample: Sendable, Equatable {
        var startMs: Int64
        var bytes: Int64
    }

    /// `leader.replication.throttled.rate` or `follower.replication.throttled.rate`, bytes per second.
    var bytesPerSecond: Int64
    let samples: Int
    let windowMs: Int64
    /// Oldest first; at most `samples`.
    private var history: [Sample] = []
    /// `samples` windows, and the `samples - 1` that Kafka's `Rate` divides by at least; saturated, since both
    /// factors come from the broker's configuration.
    private let expiryMs: Int64
    private let minimumElapsedMs: Int64

    init(bytesPerSecond: Int64 = Self.unthrottled, samples: Int = 11, windowMs: Int64 = 1000) {
        precondition(samples >= 1 && windowMs >= 1, "validated configs")
        self.bytesPerSecond = bytesPerSecond
        self.samples = samples
        self.windowMs = windowMs
        func saturated(_ windows: Int) -> Int64 {
            let (product, overflow) = Int64(windows).multipliedReportingOverflow(by: windowMs)
            return overflow ? .max : product
        }
        expiryMs = saturated(samples)
        minimumElapsedMs = saturated(samples - 1)
    }

    /// Counts bytes sent (leader) or received (follower) for throttled partitions.
    mutating func record(_ bytes: Int, nowMs: Int64) {
        let expiryMs = expiryMs
        history.removeAll { nowMs - $0.startMs >= expiryMs }
        if let last = history.indices.last, nowMs < history[last].startMs + windowMs {
            history[last].bytes += Int64(max(0, bytes))
        } else {
            history.append(Sample(startMs: nowMs, bytes: Int64(max(0, bytes))))
            if history.count > samples { history.removeFirst() }
        }
    }

    /// Bytes per second over the live samples, divided as Kafka's `Rate.windowSize` divides.
    func rate(nowMs: Int64) -> Double {
        let live = history.filter { !isObsolete($0, nowMs: nowMs) }
        let total = live.reduce(Int64(0)) { $0 + $1.bytes }
        var elapsedMs = max(0, nowMs - (live.first?.startMs ?? nowMs))
        // Kafka's `windowSize`: the missing full windows are added, so the division is over at least
        // `samples - 1` windows plus the part of the current one.
        let fullWindows = elapsedMs / windowMs
        if fullWindows < Int64(samples - 1) {
            let partial = elapsedMs - fullWindows * windowMs
            let (sum, overflow) = minimumElapsedMs.addingReportingOverflow(partial)
            elapsedMs = overflow ? .max : sum
        }
        guard elapsedMs > 0 else { return total > 0 ? .infinity : 0 }
        return Double(total) * 1000 / Double(elapsedMs)
    }

    /// Kafka's `isQuotaExceeded`: the rate is above the bound (an upper bound: equal is acceptable).
    func isExceeded(nowMs: Int64) -> Bool {
        bytesPerSecond != Self.unthrottled && rate(nowMs: nowMs) > Double(bytesPerSecond)
    }

    /// Kafka's `purgeObsoleteSamples`: a sample older than the whole window no longer counts.
    private func isObsolete(_ sample: Sample, nowMs: Int64) -> Bool {
        nowMs - sample.startMs >= expiryMs
    }
}
