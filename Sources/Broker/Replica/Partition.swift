import Coordination
import KafkaProtocol
import NIOCore
import Storage
import Synchronization

/// One partition replica on this broker (Kafka's `Partition`): its local log and its replication state (leadership
/// from LeaderAndIsr, the high watermark, and as leader the followers' progress and the ISR). The arithmetic lives
/// in `PartitionReplicationState`; this class adds the log and the locking.
///
/// Locking: `state` guards the replication state and is held only briefly (never across log I/O). `roleLock` is
/// Kafka's `leaderIsrUpdateLock`: a leader append holds it from its "am I leader?" check to the end of the write, and a
/// role change takes it, so once `makeLeaderOrFollower` returns no leader append can still land in a log that is
/// about to be truncated as a follower. Order: `roleLock`, then `state`, then the log's own lock.
final class Partition: Sendable {
    let topicPartition: TopicPartition
    let localBrokerId: Int32
    let log: Log
    /// The topic's `min.insync.replicas` (its override, else the broker's); a config change updates it.
    var minInsyncReplicas: Int { minInsync.load(ordering: .relaxed) }
    private let minInsync: Atomic<Int>

    private let state: Mutex<PartitionReplicationState>
    private let roleLock = Mutex<Void>(())

    init(
        topicPartition: TopicPartition, localBrokerId: Int32, log: Log, leaderState: PartitionState,
        highWatermark: Int64, minInsyncReplicas: Int = 1, nowMs: Int64 = 0
    ) {
        self.topicPartition = topicPartition
        self.localBrokerId = localBrokerId
        self.log = log
        self.minInsync = Atomic(max(1, minInsyncReplicas))
        self.state = Mutex(PartitionReplicationState(
            localBrokerId: localBrokerId, leaderState: leaderState, highWatermark: highWatermark,
            logEndOffset: log.logEndOffset, nowMs: nowMs))
    }

    /// A topic config change (`/config/changes`): `min.insync.replicas` applies to the next acks=all produce.
    func updateMinInsyncReplicas(_ value: Int) {
        minInsync.store(max(1, value), ordering: .relaxed)
    }

    var leaderState: PartitionState { state.withLock { $0.leaderState } }
    /// The assigned replicas, without copying the rest of the state: an append wakes the followers among them.
    var replicas: [Int32] { state.withLock { $0.leaderState.replicas } }
    var isLeader: Bool { state.withLock { $0.isLeader } }
    var leaderEpoch: Int32 { state.withLock { $0.leaderState.leaderEpoch } }
    /// Whether this replica leads, and its leader epoch, read together: one lock for what every partition of every
    /// fetch checks first.
    var leadership: (isLeader: Bool, leaderEpoch: Int32) { state.withLock { ($0.isLeader, $0.leaderState.leaderEpoch) } }
    /// Whether `replicaId` is in the ISR, without copying the partition state.
    func isInSync(_ replicaId: Int32) -> Bool { state.withLock { $0.leaderState.isr.contains(replicaId) } }
    var highWatermark: Int64 { state.withLock { $0.highWatermark } }
    /// The leader and the sizes of the ISR and the replica set, without copying either: what a metrics scrape
    /// reads of every partition.
    var replicaCounts: (leader: Int32, isr: Int, replicas: Int) {
        state.withLock { ($0.leaderState.leader, $0.leaderState.isr.count, $0.leaderState.replicas.count) }
    }
    var replicationState: PartitionReplicationState { state.withLock { $0 } }

    /// Applies a LeaderAndIsr state (Kafka's `makeLeader`/`makeFollower`) under the role lock.
    func makeLeaderOrFollower(_ leaderState: PartitionState, nowMs: Int64) -> PartitionReplicationState.LeadershipChange {
        roleLock.withLock { _ in
            let logEnd = log.logEndOffset
            return state.withLock { $0.apply(leaderState, logEndOffset: logEnd, nowMs: nowMs) }
        }
    }

    /// Kafka's `maybeAssignEpochStartOffset` as leader: `leaderEpoch` starts at the log end, so followers asking where
    /// their last epoch ends get this log's end even before the first append (in memory: `Log.assignEpochStartOffset`).
    /// Nothing when the partition no longer leads in that epoch: an older epoch must never cut off a newer one.
    func assignLeaderEpochStartOffset(_ leaderEpoch: Int32) {
        roleLock.withLock { _ in
            guard state.withLock({ $0.isLeader && $0.leaderState.leaderEpoch == leaderEpoch }) else { return }
            log.assignEpochStartOffset(epoch: leaderEpoch, startOffset: log.logEndOffset)
        }
    }

    /// As leader, with no followers in the ISR: the high watermark follows the log end. Returns whether it moved.
    @discardableResult
    func maybeIncrementHighWatermark() -> Bool {
        let logEnd = log.logEndOffset
        let (moved, highWatermark) = state.withLock {
            ($0.maybeIncrementHighWatermark(leaderLogEndOffset: logEnd), $0.highWatermark)
        }
        if moved { log.onHighWatermarkUpdated(highWatermark) }
        return moved
    }

    /// Appends a producer's records as leader (Kafka's `appendRecordsToLeader`), enforcing `min.insync.replicas`
    /// for acks=all before writing anything.
    func appendRecordsToLeader(_ records: inout ByteBuffer, requiredAcks: Int16) throws(PartitionError) -> LogAppendInfo {
        try appendToLeaderLog(checkMinInsync: requiredAcks == -1) { leaderEpoch in
            try log.appendAsLeader(&records, leaderEpoch: leaderEpoch)
        }
    }

    /// Writes a transaction's COMMIT or ABORT marker as leader (Kafka's `appendRecordsToLeader` with
    /// `AppendOrigin.Coordinator`): the same leadership and `min.insync.replicas` checks as a producer's acks=all
    /// append, since the coordinator waits for the marker to be replicated.
    func appendEndTxnMarker(
        producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool
    ) throws(PartitionError) -> LogAppendInfo {
        try appendToLeaderLog(checkMinInsync: true) { leaderEpoch in
            try log.appendEndTxnMarker(
                producerId: producerId, producerEpoch: producerEpoch, coordinatorEpoch: coordinatorEpoch,
                commit: commit, leaderEpoch: leaderEpoch)
        }
    }

    /// Under the role lock: am I leader, is the ISR large enough (when asked), then `append` with the leader epoch,
    /// then the high watermark (a leader without followers moves it at once).
    private func appendToLeaderLog(
        checkMinInsync: Bool, _ append: (Int32) throws -> LogAppendInfo
    ) throws(PartitionError) -> LogAppendInfo {
        try roleLock.withLock { _ throws(PartitionError) -> LogAppendInfo in
            let (leaderState, isLeader, isrSize) = state.withLock { ($0.leaderState, $0.isLeader, $0.isr.count) }
            guard isLeader else { throw .notLeader }
            if checkMinInsync, isrSize < minInsyncReplicas {
                throw .notEnoughReplicas(isr: isrSize, required: minInsyncReplicas)
            }
            let info: LogAppendInfo
            do {
                info = try append(leaderState.leaderEpoch)
            } catch let error as StorageError {
                throw .storage(error)
            } catch {
                throw .storage(.io("append", path: log.directory, errno: 5))
            }
            maybeIncrementHighWatermark()
            return info
        }
    }

    /// Kafka's last stable offset: the high watermark, held back to the first offset of a transaction that is
    /// still open or whose marker is not yet replicated, but never below the log start offset (DeleteRecords may
    /// have removed the start of an open transaction; Kafka's `updateFirstUnstableOffset` clamps the same way).
    /// What read_committed consumers may read up to.
    var lastStableOffset: Int64 {
        let highWatermark = self.highWatermark
        log.onHighWatermarkUpdated(highWatermark)
        guard let firstUnstable = log.firstUnstableOffset else { return highWatermark }
        return min(max(firstUnstable, log.logStartOffset), highWatermark)
    }

    /// Kafka's `checkEnoughReplicasReachOffset`, for a DelayedProduce: done once the high watermark reaches
    /// `requiredOffset` (then NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR has shrunk below `min.insync.replicas`
    /// meanwhile), or at once with NOT_LEADER_OR_FOLLOWER when this replica is no longer the leader.
    func checkEnoughReplicasReachOffset(_ requiredOffset: Int64) -> (done: Bool, error: ErrorCode) {
        state.withLock { state in
            guard state.isLeader else { return (true, .notLeaderOrFollower) }
            guard state.highWatermark >= requiredOffset else { return (false, .noError) }
            return (true, state.maximalIsr.count >= minInsyncReplicas ? .noError : .notEnoughReplicasAfterAppend)
        }
    }

    // MARK: DeleteRecords

    /// Kafka's `deleteRecordsOnLeader`: advances the log start offset to `offset` (-1: the high watermark), which
    /// must be committed, i.e. at most the high watermark. Returns the offset it moved to and the new log start.
    func deleteRecordsOnLeader(_ offset: Int64) throws(PartitionError) -> (requestedOffset: Int64, logStartOffset: Int64) {
        try roleLock.withLock { _ throws(PartitionError) -> (Int64, Int64) in
            let (isLeader, highWatermark) = state.withLock { ($0.isLeader, $0.highWatermark) }
            guard isLeader else { throw .notLeader }
            let converted = offset == -1 ? highWatermark : offset
            guard converted >= 0 else {
                throw .offsetOutOfRange("The offset \(converted) for partition \(topicPartition) is not valid")
            }
            guard converted <= highWatermark else {
                throw .offsetOutOfRange(
                    "Cannot increment the log start offset to \(converted) of partition \(topicPartition) since it is larger than the high watermark \(highWatermark)")
            }
            do {
                try log.deleteRecords(before: converted)
            } catch let error as StorageError {
                throw .storage(error)
            } catch {
                throw .storage(.io("delete records", path: log.directory, errno: 5))
            }
            return (converted, log.logStartOffset)
        }
    }

    /// Kafka's `lowWatermarkIfLeader`; nil when this replica does not lead.
    func lowWatermarkIfLeader(isAlive: (Int32) -> Bool) -> Int64? {
        let start = log.logStartOffset
        return state.withLock { $0.isLeader ? $0.lowWatermark(leaderLogStartOffset: start, isAlive: isAlive) : nil }
    }

    // MARK: leader side of replication

    /// Records a follower's fetch (its fetch offset is its log end offset, `followerLogStartOffset` its log start)
    /// at `leaderLogEndOffset`, the leader's log end when the fetch read.
    func updateFollowerFetchState(
        replicaId: Int32, fetchOffset: Int64, leaderLogEndOffset: Int64, nowMs: Int64, followerLogStartOffset: Int64 = -1
    ) -> (outcome: PartitionReplicationState.FollowerFetchOutcome, highWatermark: Int64) {
        state.withLock {
            let outcome = $0.updateFollowerFetchState(
                replicaId: replicaId, fetchOffset: fetchOffset, leaderLogEndOffset: leaderLogEndOffset, nowMs: nowMs,
                followerLogStartOffset: followerLogStartOffset)
            return (outcome, $0.highWatermark)
        }
    }

    /// The followers that have fallen out of the ISR, as a change to write (marked pending), if any.
    func maybeShrinkIsr(nowMs: Int64, maxLagMs: Int64) -> IsrChange? {
        let logEnd = log.logEndOffset
        return state.withLock { $0.maybeShrinkIsr(leaderLogEndOffset: logEnd, nowMs: nowMs, maxLagMs: maxLagMs) }
    }

    /// Applies (with the new zkVersion) or drops (nil) a pending ISR change; returns whether it took effect.
    func completeIsrChange(_ change: IsrChange, newZkVersion: Int32?) -> Bool {
        let logEnd = log.logEndOffset
        return state.withLock { $0.completeIsrChange(change, newZkVersion: newZkVersion, leaderLogEndOffset: logEnd) }
    }

    // MARK: follower side of replication

    /// Appends what the leader sent, keeping its offsets, takes the leader's high watermark as far as this log
    /// reaches, then the leader's log start offset (DeleteRecords there) as far as that high watermark (Kafka's
    /// `processPartitionData`: `appendRecordsToFollowerOrFutureReplica`, the high watermark, then
    /// `maybeIncrementLogStartOffset`). Whole segments below a new log start are deleted at once.
    func appendRecordsAsFollower(
        _ records: inout ByteBuffer, leaderHighWatermark: Int64, leaderLogStartOffset: Int64 = -1
    ) throws -> LogAppendInfo? {
        let info = records.readableBytes > 0 ? try log.appendAsFollower(&records) : nil
        let (start, end) = (log.logStartOffset, log.logEndOffset)
        let highWatermark = state.withLock {
            $0.updateFollowerHighWatermark(leaderHighWatermark: leaderHighWatermark, logStartOffset: start, logEndOffset: end)
            return $0.highWatermark
        }
        log.onHighWatermarkUpdated(highWatermark)
        let newStart = min(leaderLogStartOffset, highWatermark)
        if newStart > start {
            try log.deleteRecords(before: newStart)
            try log.deleteSegmentsBelowLogStart()
        }
        return info
    }

    /// Removes everything from `offset` on (a follower whose log may hold what its leader does not).
    func truncate(to offset: Int64) throws {
        try log.truncate(to: offset)
        boundHighWatermark()
    }

    /// Empties the log and starts it at `offset` (a follower below its leader's log start).
    func truncateFullyAndStart(at offset: Int64) throws {
        try log.truncateFullyAndStart(at: offset)
        boundHighWatermark()
    }

    private func boundHighWatermark() {
        let (start, end) = (log.logStartOffset, log.logEndOffset)
        state.withLock { $0.boundHighWatermark(logStartOffset: start, logEndOffset: end) }
    }
}

/// Why a partition refused a request, with the Kafka error code the client gets.
enum PartitionError: Error, CustomStringConvertible {
    case notLeader
    case notEnoughReplicas(isr: Int, required: Int)
    /// DeleteRecords below zero or above the high watermark.
    case offsetOutOfRange(String)
    case storage(StorageError)

    var errorCode: ErrorCode {
        switch self {
        case .notLeader: .notLeaderOrFollower
        case .notEnoughReplicas: .notEnoughReplicas
        case .offsetOutOfRange: .offsetOutOfRange
        case .storage(let error): error.errorCode
        }
    }

    var description: String {
        switch self {
        case .notLeader: "this broker is not the leader"
        case .notEnoughReplicas(let isr, let required):
            "the in-sync replica set has \(isr) member(s), below min.insync.replicas = \(required)"
        case .offsetOutOfRange(let message): message
        case .storage(let error): error.description
        }
    }
}
