import KafkaProtocol
import NIOCore
import Storage
import Synchronization

/// One partition replica on this broker (Kafka's `Partition`): its local log and what the controller last said
/// about its leadership. The leader appends and tracks the high watermark; followers (replication, later) only
/// hold the log.
final class Partition: Sendable {
    let topicPartition: TopicPartition
    let localBrokerId: Int32
    let log: Log

    private struct State {
        var leaderState: PartitionLeaderState
        var highWatermark: Int64
    }

    private let state: Mutex<State>

    init(topicPartition: TopicPartition, localBrokerId: Int32, log: Log, leaderState: PartitionLeaderState, highWatermark: Int64) {
        self.topicPartition = topicPartition
        self.localBrokerId = localBrokerId
        self.log = log
        self.state = Mutex(State(leaderState: leaderState, highWatermark: min(highWatermark, log.logEndOffset)))
        updateHighWatermark()
    }

    var leaderState: PartitionLeaderState { state.withLock { $0.leaderState } }
    var isLeader: Bool { state.withLock { $0.leaderState.leader == localBrokerId } }
    var leaderEpoch: Int32 { state.withLock { $0.leaderState.leaderEpoch } }
    var highWatermark: Int64 { state.withLock { $0.highWatermark } }

    /// Applies a newer leadership; returns false (and changes nothing) for an older leader epoch.
    func update(_ leaderState: PartitionLeaderState) -> Bool {
        let accepted = state.withLock { state in
            guard leaderState.leaderEpoch >= state.leaderState.leaderEpoch else { return false }
            state.leaderState = leaderState
            return true
        }
        if accepted { updateHighWatermark() }
        return accepted
    }

    /// The leader's high watermark: the smallest log end offset across the ISR. Until followers exist (the
    /// replication work) the only ISR member this broker knows the log end of is itself, so a leader alone in its
    /// ISR has HW = LEO; with other ISR members the HW only moves when they report their progress.
    @discardableResult
    func updateHighWatermark() -> Int64 {
        let logEnd = log.logEndOffset
        return state.withLock { state in
            let leaderAlone = state.leaderState.leader == localBrokerId && state.leaderState.isr == [localBrokerId]
            if leaderAlone, logEnd > state.highWatermark { state.highWatermark = logEnd }
            if state.highWatermark > logEnd { state.highWatermark = logEnd }
            return state.highWatermark
        }
    }

    /// Appends a producer's records as leader (Kafka's `appendRecordsToLeader`), enforcing `min.insync.replicas`
    /// for acks=all before writing anything.
    func appendRecordsToLeader(_ records: inout ByteBuffer, requiredAcks: Int16, minInsyncReplicas: Int) throws(PartitionError) -> LogAppendInfo {
        let (leaderState, isLeader) = state.withLock { ($0.leaderState, $0.leaderState.leader == localBrokerId) }
        guard isLeader else { throw .notLeader }
        if requiredAcks == -1, leaderState.isr.count < minInsyncReplicas {
            throw .notEnoughReplicas(isr: leaderState.isr.count, required: minInsyncReplicas)
        }
        let info: LogAppendInfo
        do {
            info = try log.appendAsLeader(&records, leaderEpoch: leaderState.leaderEpoch)
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .storage(.io("append", path: log.directory, errno: 5))
        }
        updateHighWatermark()
        return info
    }
}

/// Why a partition refused a request, with the Kafka error code the client gets.
enum PartitionError: Error, CustomStringConvertible {
    case notLeader
    case notEnoughReplicas(isr: Int, required: Int)
    case storage(StorageError)

    var errorCode: ErrorCode {
        switch self {
        case .notLeader: .notLeaderOrFollower
        case .notEnoughReplicas: .notEnoughReplicas
        case .storage(let error): error.errorCode
        }
    }

    var description: String {
        switch self {
        case .notLeader: "this broker is not the leader"
        case .notEnoughReplicas(let isr, let required):
            "the in-sync replica set has \(isr) member(s), below min.insync.replicas = \(required)"
        case .storage(let error): error.description
        }
    }
}
