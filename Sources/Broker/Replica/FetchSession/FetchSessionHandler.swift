import KafkaProtocol

/// A follower's side of a fetch session with one leader (Kafka's `FetchSessionHandler`, KIP-227): the first fetch
/// is full and asks the leader for a session; later ones are incremental and carry only the partitions whose fetch
/// position changed since the leader last heard of them, and the partitions to forget. Any failure makes the next
/// fetch full again, which closes the broken session on the leader.
///
/// A pure value, driven by `ReplicaFetcher`: `build` the next request from the partitions to fetch now, then give
/// the leader's answer (or the failure) to `handleResponse` / `handleError`.
struct FetchSessionHandler: Sendable {
    /// What the leader holds for one partition of the session.
    struct PartitionData: Sendable, Equatable {
        var fetchOffset: Int64
        var logStartOffset: Int64
        var currentLeaderEpoch: Int32
        var maxBytes: Int32
    }

    /// One request's session fields and partitions.
    struct Request: Sendable, Equatable {
        var sessionId: Int32
        var epoch: Int32
        /// The partitions the request carries: all of them in a full fetch, the changed ones in an incremental one.
        var toSend: [TopicPartition: PartitionData]
        var forgotten: [TopicPartition]
        /// Every partition fetched: the session's partitions once the leader answers.
        var partitions: [TopicPartition: PartitionData]

        var isFull: Bool { epoch == FetchSessionCache.Epoch.initial }
    }

    private(set) var sessionId: Int32 = 0
    private(set) var epoch: Int32 = FetchSessionCache.Epoch.initial
    /// The partitions of the leader's session as it knows them; empty without a session.
    private(set) var sessionPartitions: [TopicPartition: PartitionData] = [:]

    /// The request that fetches exactly `partitions`.
    func build(_ partitions: [TopicPartition: PartitionData]) -> Request {
        guard epoch != FetchSessionCache.Epoch.initial else {
            // Full, naming the old session (if any) so that the leader closes it and opens a new one.
            return Request(sessionId: sessionId, epoch: epoch, toSend: partitions, forgotten: [], partitions: partitions)
        }
        // One lookup per partition fetched; the session's partitions are only searched for forgotten ones when some
        // of them are not fetched (an idle follower fetches the same thousands every time).
        var toSend: [TopicPartition: PartitionData] = [:]
        var inSession = 0
        for (tp, data) in partitions {
            let held = sessionPartitions[tp]
            if held != nil { inSession += 1 }
            if held != data { toSend[tp] = data }
        }
        let forgotten = inSession == sessionPartitions.count ? [] : sessionPartitions.keys.filter { partitions[$0] == nil }
        return Request(sessionId: sessionId, epoch: epoch, toSend: toSend, forgotten: forgotten, partitions: partitions)
    }

    /// The leader answered `request` with this top-level error and session id.
    mutating func handleResponse(to request: Request, errorCode: ErrorCode, sessionId responseSessionId: Int32) {
        switch errorCode {
        case .noError where request.isFull:
            sessionId = responseSessionId
            if responseSessionId == 0 {
                // The leader declined (no room): every fetch stays full, asking again.
                sessionPartitions = [:]
            } else {
                epoch = FetchSessionCache.Epoch.next(after: FetchSessionCache.Epoch.initial)
                sessionPartitions = request.partitions
            }
        case .noError:
            epoch = FetchSessionCache.Epoch.next(after: epoch)
            sessionPartitions = request.partitions
        case .fetchSessionIdNotFound:
            // The leader forgot the session (evicted, or restarted): start a new one.
            sessionId = 0
            resetToFull()
        default:
            resetToFull()
        }
    }

    /// The request failed (connection lost, timeout): the leader may or may not have taken it.
    mutating func handleError() {
        resetToFull()
    }

    private mutating func resetToFull() {
        epoch = FetchSessionCache.Epoch.initial
        sessionPartitions = [:]
    }
}
