import Coordination
/// A partition's replication state on this broker, without I/O: the controller's leadership, the high watermark,
/// and as leader what each follower has fetched and the ISR changes under way. `Partition` owns one behind its lock
/// and feeds it the log's offsets and the time; everything here is arithmetic, tested one transition per line.
///
/// Invariants: the high watermark never exceeds the log end offset it was last given; as leader it only moves
/// forward, and it is the smallest log end offset over the ISR (leader included), counting a member being added
/// to the ISR while that change is in flight (Kafka's "maximal ISR"), so no acknowledged record is missing from a
/// replica the ISR will contain.
struct PartitionReplicationState: Sendable {
    let localBrokerId: Int32
    private(set) var leaderState: PartitionState
    private(set) var highWatermark: Int64
    /// As leader: every other assigned replica; empty as follower.
    private(set) var followers: [Int32: FollowerReplica] = [:]
    /// As leader: the log end offset when this leader epoch began; a follower must reach it to join the ISR.
    private(set) var leaderEpochStartOffset: Int64?
    /// The ISR change written to ZooKeeper right now, if any; one at a time.
    private(set) var pendingIsrChange: IsrChange?

    /// How a LeaderAndIsr state was taken.
    enum LeadershipChange: Equatable {
        /// An older leader epoch: ignored.
        case stale
        /// The leader epoch this replica already has (a controller re-sending after failover): only a newer ISR
        /// (higher zkVersion) is taken over; roles and fetchers stay.
        case sameLeaderEpoch
        /// A newer leader epoch: the replica (re)starts as leader or follower.
        case newLeaderEpoch
    }

    init(localBrokerId: Int32, leaderState: PartitionState, highWatermark: Int64, logEndOffset: Int64, nowMs: Int64) {
        self.localBrokerId = localBrokerId
        self.leaderState = leaderState
        self.highWatermark = max(0, min(highWatermark, logEndOffset))
        if isLeader { startLeaderEpoch(wasLeader: false, logEndOffset: logEndOffset, nowMs: nowMs) }
    }

    var isLeader: Bool { leaderState.leader == localBrokerId }
    var isr: [Int32] { leaderState.isr }

    /// The ISR, plus the member an expansion in flight adds: what the high watermark and acks=all count.
    var maximalIsr: [Int32] {
        guard let pending = pendingIsrChange else { return isr }
        return isr + pending.isr.filter { !isr.contains($0) }
    }

    // MARK: leadership

    mutating func apply(_ newState: PartitionState, logEndOffset: Int64, nowMs: Int64) -> LeadershipChange {
        if newState.leaderEpoch < leaderState.leaderEpoch { return .stale }
        if newState.leaderEpoch == leaderState.leaderEpoch {
            if newState.leader == leaderState.leader, newState.zkVersion > leaderState.zkVersion {
                leaderState.isr = newState.isr
                leaderState.zkVersion = newState.zkVersion
                leaderState.replicas = newState.replicas
                leaderState.controllerEpoch = newState.controllerEpoch
                if isLeader { addNewFollowers(logEndOffset: logEndOffset, nowMs: nowMs) }
                _ = maybeIncrementHighWatermark(leaderLogEndOffset: logEndOffset)
            }
            return .sameLeaderEpoch
        }
        let wasLeader = isLeader
        leaderState = newState
        pendingIsrChange = nil
        if isLeader {
            startLeaderEpoch(wasLeader: wasLeader, logEndOffset: logEndOffset, nowMs: nowMs)
        } else {
            followers = [:]
            leaderEpochStartOffset = nil
        }
        return .newLeaderEpoch
    }

    /// Kafka's `makeLeader`: every follower counts as caught up now if it is in the ISR; a leader that was a
    /// follower knows none of their log ends yet.
    private mutating func startLeaderEpoch(wasLeader: Bool, logEndOffset: Int64, nowMs: Int64) {
        leaderEpochStartOffset = logEndOffset
        var next: [Int32: FollowerReplica] = [:]
        for id in leaderState.replicas where id != localBrokerId {
            let caughtUp = leaderState.isr.contains(id)
            if wasLeader, var known = followers[id] {
                known.resetLastCaughtUpTime(leaderLogEndOffset: logEndOffset, nowMs: nowMs, caughtUp: caughtUp)
                next[id] = known
            } else {
                next[id] = FollowerReplica(leaderLogEndOffset: logEndOffset, nowMs: nowMs, caughtUp: caughtUp)
            }
        }
        followers = next
        _ = maybeIncrementHighWatermark(leaderLogEndOffset: logEndOffset)
    }

    private mutating func addNewFollowers(logEndOffset: Int64, nowMs: Int64) {
        for id in leaderState.replicas where id != localBrokerId && followers[id] == nil {
            followers[id] = FollowerReplica(leaderLogEndOffset: logEndOffset, nowMs: nowMs, caughtUp: isr.contains(id))
        }
    }

    // MARK: high watermark

    /// As leader: the smallest log end offset over the maximal ISR, if that is higher than the current high
    /// watermark (Kafka's `maybeIncrementLeaderHW`). Returns whether it moved.
    mutating func maybeIncrementHighWatermark(leaderLogEndOffset: Int64) -> Bool {
        guard isLeader else { return false }
        var candidate = leaderLogEndOffset
        for id in maximalIsr where id != localBrokerId {
            candidate = min(candidate, followers[id]?.logEndOffset ?? -1)
        }
        guard candidate > highWatermark else { return false }
        highWatermark = candidate
        return true
    }

    /// As follower: the leader's high watermark, as far as this replica has the records (Kafka's follower
    /// `updateHighWatermark`: bounded by the log start and end offsets; it may move back after a leader change).
    mutating func updateFollowerHighWatermark(leaderHighWatermark: Int64, logStartOffset: Int64, logEndOffset: Int64) {
        guard !isLeader else { return }
        highWatermark = min(max(leaderHighWatermark, logStartOffset), logEndOffset)
    }

    /// Keeps the high watermark inside the log after a truncation or a log that starts later.
    mutating func boundHighWatermark(logStartOffset: Int64, logEndOffset: Int64) {
        highWatermark = min(max(highWatermark, logStartOffset), logEndOffset)
    }

    // MARK: followers

    /// What a follower's fetch changed.
    struct FollowerFetchOutcome: Equatable {
        /// False when the fetching broker is not an assigned replica (or this replica is not the leader).
        var recognized: Bool
        var highWatermarkIncreased: Bool = false
        /// An ISR expansion to write to ZooKeeper (already marked pending).
        var isrExpansion: IsrChange?
        /// The follower's log start offset moved, which may complete a DeleteRecords.
        var logStartOffsetChanged: Bool = false
    }

    /// Kafka's `updateFollowerFetchState`: records the follower's fetch offset as its log end, then perhaps adds it
    /// to the ISR and perhaps moves the high watermark.
    /// `followerLogStartOffset` is the fetch's `log_start_offset` (-1 from a client that does not send it).
    mutating func updateFollowerFetchState(
        replicaId: Int32, fetchOffset: Int64, leaderLogEndOffset: Int64, nowMs: Int64, followerLogStartOffset: Int64 = -1
    ) -> FollowerFetchOutcome {
        // Updated in place, one lookup: a leader does this for every partition of every follower fetch.
        guard isLeader, let index = followers.index(forKey: replicaId) else { return FollowerFetchOutcome(recognized: false) }
        let previousLogEndOffset = followers.values[index].logEndOffset
        let previousLogStartOffset = followers.values[index].logStartOffset
        followers.values[index].updateFetchState(
            fetchOffset: fetchOffset, leaderLogEndOffset: leaderLogEndOffset, nowMs: nowMs,
            logStartOffset: followerLogStartOffset)
        let expansion = maybeExpandIsr(replicaId)
        let increased =
            previousLogEndOffset != fetchOffset || expansion != nil
            ? maybeIncrementHighWatermark(leaderLogEndOffset: leaderLogEndOffset) : false
        return FollowerFetchOutcome(
            recognized: true, highWatermarkIncreased: increased, isrExpansion: expansion,
            logStartOffsetChanged: previousLogStartOffset != followerLogStartOffset)
    }

    /// Kafka's `lowWatermarkIfLeader`: the lowest log start offset among this leader and its followers on live
    /// brokers (a follower that has not fetched yet counts as -1). DeleteRecords is done once this reaches its offset.
    func lowWatermark(leaderLogStartOffset: Int64, isAlive: (Int32) -> Bool) -> Int64 {
        followers.reduce(leaderLogStartOffset) { low, entry in
            isAlive(entry.key) ? min(low, entry.value.logStartOffset) : low
        }
    }

    // MARK: ISR changes by the leader

    /// Kafka's `maybeExpandIsr`: a follower outside the ISR that has reached the high watermark, and the start of
    /// this leader epoch, joins it (once the change is written).
    private mutating func maybeExpandIsr(_ replicaId: Int32) -> IsrChange? {
        guard isLeader, pendingIsrChange == nil, !isr.contains(replicaId), leaderState.replicas.contains(replicaId),
            let follower = followers[replicaId], let epochStart = leaderEpochStartOffset,
            follower.logEndOffset >= highWatermark, follower.logEndOffset >= epochStart
        else { return nil }
        return propose(isr + [replicaId])
    }

    /// Kafka's `maybeShrinkIsr`: followers in the ISR that are behind the leader's log end and have not caught up
    /// for more than `maxLagMs` leave it (once the change is written).
    mutating func maybeShrinkIsr(leaderLogEndOffset: Int64, nowMs: Int64, maxLagMs: Int64) -> IsrChange? {
        guard isLeader, pendingIsrChange == nil else { return nil }
        let outOfSync = isr.filter { id in
            guard id != localBrokerId else { return false }
            guard let follower = followers[id] else { return true }
            return follower.isOutOfSync(leaderLogEndOffset: leaderLogEndOffset, nowMs: nowMs, maxLagMs: maxLagMs)
        }
        guard !outOfSync.isEmpty else { return nil }
        return propose(isr.filter { !outOfSync.contains($0) })
    }

    /// Marks `newIsr` (put in assignment order) as the change in flight.
    private mutating func propose(_ newIsr: [Int32]) -> IsrChange {
        let ordered = leaderState.replicas.filter(newIsr.contains) + newIsr.filter { !leaderState.replicas.contains($0) }
        let change = IsrChange(
            leader: localBrokerId, leaderEpoch: leaderState.leaderEpoch, controllerEpoch: leaderState.controllerEpoch,
            zkVersion: leaderState.zkVersion, previousIsr: isr, isr: ordered)
        assert(change.isr.contains(localBrokerId), "the leader stays in its ISR")
        pendingIsrChange = change
        return change
    }

    /// The outcome of writing `change`: with the znode's new zkVersion it takes effect, unless the leadership
    /// moved on meanwhile; without (a conflict, a ZooKeeper failure) it is dropped. Returns whether it took effect.
    mutating func completeIsrChange(_ change: IsrChange, newZkVersion: Int32?, leaderLogEndOffset: Int64) -> Bool {
        guard pendingIsrChange == change else { return false }
        pendingIsrChange = nil
        guard let newZkVersion, isLeader, leaderState.leaderEpoch == change.leaderEpoch,
            leaderState.zkVersion == change.zkVersion
        else { return false }
        leaderState.isr = change.isr
        leaderState.zkVersion = newZkVersion
        _ = maybeIncrementHighWatermark(leaderLogEndOffset: leaderLogEndOffset)
        return true
    }
}

/// An ISR change a leader makes itself: the partition's state znode rewritten with a new ISR, keeping leader,
/// leader epoch and controller epoch, conditional on the zkVersion the leader last saw.
struct IsrChange: Sendable, Hashable {
    var leader: Int32
    var leaderEpoch: Int32
    var controllerEpoch: Int32
    var zkVersion: Int32
    var previousIsr: [Int32]
    var isr: [Int32]

    var isExpansion: Bool { isr.count > previousIsr.count }
}
