/// What a partition's leader knows about one follower (Kafka's `Replica`): the offset it last fetched from, which is
/// its log end offset, and since when it has been caught up, which decides whether it stays in the ISR.
///
/// Times are milliseconds of a monotonic clock (`ReplicaManager.clock`), never wall-clock time.
struct FollowerReplica: Sendable, Hashable {
    /// The follower's log end offset, as its last fetch offset says; -1 until it fetches from this leader.
    private(set) var logEndOffset: Int64 = -1
    /// The follower's log start offset, as its last fetch said (Kafka's `Replica.logStartOffset`); -1 until then.
    /// DeleteRecords waits for it to reach the deletion offset.
    private(set) var logStartOffset: Int64 = -1
    /// The last time the follower had everything the leader had; nil: not since this leadership began.
    private(set) var lastCaughtUpTimeMs: Int64?
    /// The leader's log end offset and the time at the follower's previous fetch.
    private(set) var lastFetchLeaderLogEndOffset: Int64
    private(set) var lastFetchTimeMs: Int64

    /// A follower as a new leader (epoch) first sees it: log end unknown, caught up "now" if it is in the ISR.
    init(leaderLogEndOffset: Int64, nowMs: Int64, caughtUp: Bool) {
        lastFetchLeaderLogEndOffset = leaderLogEndOffset
        lastFetchTimeMs = nowMs
        lastCaughtUpTimeMs = caughtUp ? nowMs : nil
    }

    /// Kafka's `resetLastCaughtUpTime`, at every leader epoch: the log end stays as last seen.
    mutating func resetLastCaughtUpTime(leaderLogEndOffset: Int64, nowMs: Int64, caughtUp: Bool) {
        lastFetchLeaderLogEndOffset = leaderLogEndOffset
        lastFetchTimeMs = nowMs
        lastCaughtUpTimeMs = caughtUp ? nowMs : nil
    }

    /// Kafka's `Replica.updateFetchState`: a fetch at the leader's log end means caught up now; a fetch at or past
    /// the leader's log end of the previous fetch means the follower was caught up at that previous fetch (it has
    /// since fetched everything that was there then).
    mutating func updateFetchState(fetchOffset: Int64, leaderLogEndOffset: Int64, nowMs: Int64, logStartOffset: Int64 = -1) {
        self.logStartOffset = logStartOffset
        if fetchOffset >= leaderLogEndOffset {
            lastCaughtUpTimeMs = max(lastCaughtUpTimeMs ?? nowMs, nowMs)
        } else if fetchOffset >= lastFetchLeaderLogEndOffset {
            lastCaughtUpTimeMs = max(lastCaughtUpTimeMs ?? lastFetchTimeMs, lastFetchTimeMs)
        }
        logEndOffset = fetchOffset
        lastFetchLeaderLogEndOffset = leaderLogEndOffset
        lastFetchTimeMs = nowMs
    }

    /// Kafka's `isFollowerOutOfSync`: behind the leader's log end and not caught up for more than `maxLagMs`.
    func isOutOfSync(leaderLogEndOffset: Int64, nowMs: Int64, maxLagMs: Int64) -> Bool {
        guard logEndOffset != leaderLogEndOffset else { return false }
        guard let caughtUp = lastCaughtUpTimeMs else { return true }
        return nowMs - caughtUp > maxLagMs
    }
}
