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

    init(bytesPerSecond: Int64 = Self.unthrottled, samples: Int = 11, windowMs: Int64 = 1000) {
        precondition(samples >= 1 && windowMs >= 1, "validated configs")
        self.bytesPerSecond = bytesPerSecond
        self.samples = samples
        self.windowMs = windowMs
    }

    /// Counts bytes sent (leader) or received (follower) for throttled partitions.
    mutating func record(_ bytes: Int, nowMs: Int64) {
        let expiryMs = Int64(samples) * windowMs
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
        let fullWindows = elapsedMs / windowMs
        let minFullWindows = Int64(samples - 1)
        if fullWindows < minFullWindows { elapsedMs += (minFullWindows - fullWindows) * windowMs }
        guard elapsedMs > 0 else { return total > 0 ? .infinity : 0 }
        return Double(total) * 1000 / Double(elapsedMs)
    }

    /// Kafka's `isQuotaExceeded`: the rate is above the bound (an upper bound: equal is acceptable).
    func isExceeded(nowMs: Int64) -> Bool {
        bytesPerSecond != Self.unthrottled && rate(nowMs: nowMs) > Double(bytesPerSecond)
    }

    /// Kafka's `purgeObsoleteSamples`: a sample older than the whole window no longer counts.
    private func isObsolete(_ sample: Sample, nowMs: Int64) -> Bool {
        nowMs - sample.startMs >= Int64(samples) * windowMs
    }
}
