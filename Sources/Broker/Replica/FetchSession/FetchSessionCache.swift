import KafkaProtocol

/// Kafka's fetch sessions (KIP-227) on the leader side (`FetchSessionCache` and the `FetchContext`s of
/// `FetchManager`): a client that fetches the same partitions again and again sends them once, in a full fetch that
/// opens a session; its later, incremental fetches carry only the partitions whose fetch position changed, and
/// their answers only the partitions with records, a new high watermark or log start offset, or an error. A
/// follower of thousands of idle partitions then sends and receives almost nothing.
///
/// A pure value: the caller holds it under a lock and passes the time. Sessions live until closed by their client,
/// or evicted when a new one needs the slot (Kafka's rules, `tryEvict`).
struct FetchSessionCache: Sendable {
    /// The session id and epoch of a Fetch request (Kafka's `FetchMetadata`).
    enum Epoch {
        /// A full fetch that asks for a new session.
        static let initial: Int32 = 0
        /// A full fetch that wants no session (and closes the one it names).
        static let final: Int32 = -1

        static func next(after epoch: Int32) -> Int32 {
            epoch < 0 ? final : (epoch == .max ? 1 : epoch + 1)
        }
    }

    /// One partition of a session: where its client fetches from, and what the last answer told it.
    struct CachedPartition: Sendable, Equatable {
        var fetchOffset: Int64
        var maxBytes: Int
        var currentLeaderEpoch: Int32
        var logStartOffset: Int64
        /// The high watermark last sent; -1 after an error, so that the partition is sent again once it clears.
        var highWatermark: Int64 = -1
        /// The leader's log start offset last sent.
        var leaderLogStartOffset: Int64 = -1

        init(_ request: FetchPartitionRequest) {
            fetchOffset = request.fetchOffset
            maxBytes = request.maxBytes
            currentLeaderEpoch = request.currentLeaderEpoch
            logStartOffset = request.logStartOffset
        }

        mutating func update(from request: FetchPartitionRequest) {
            fetchOffset = request.fetchOffset
            maxBytes = request.maxBytes
            currentLeaderEpoch = request.currentLeaderEpoch
            logStartOffset = request.logStartOffset
        }

        /// Kafka's `maybeUpdateResponseData`: whether an incremental answer must carry this result, remembering
        /// what it carries.
        mutating func mustRespond(with result: FetchPartitionResult) -> Bool {
            var respond = result.bytes > 0
            if highWatermark != result.highWatermark {
                respond = true
                highWatermark = result.highWatermark
            }
            if leaderLogStartOffset != result.logStartOffset {
                respond = true
                leaderLogStartOffset = result.logStartOffset
            }
            if result.errorCode != .noError {
                respond = true
                highWatermark = -1
            }
            return respond
        }

        func request(for topicPartition: TopicPartition) -> FetchPartitionRequest {
            FetchPartitionRequest(
                topicPartition: topicPartition, fetchOffset: fetchOffset, maxBytes: maxBytes,
                currentLeaderEpoch: currentLeaderEpoch, logStartOffset: logStartOffset)
        }
    }

    struct Session: Sendable {
        let id: Int32
        /// A follower's session, which a client's may not evict while it is young.
        let privileged: Bool
        let creationMs: Int64
        var lastUsedMs: Int64
        /// The epoch the next incremental fetch must carry.
        var epoch: Int32
        /// The partitions in the order they are read; those that returned records go to the back (Kafka's round
        /// robin). An incremental fetch reads them in this order, so its results line up with them and are matched
        /// without a lookup: a follower's session holds thousands, fetched twice a second when idle.
        var entries: [Entry]
        /// Where each partition is in `entries`.
        var positions: [TopicPartition: Int]

        struct Entry: Sendable {
            var topicPartition: TopicPartition
            var cached: CachedPartition
        }

        init(id: Int32, privileged: Bool, nowMs: Int64, entries: [Entry]) {
            self.id = id
            self.privileged = privileged
            creationMs = nowMs
            lastUsedMs = nowMs
            epoch = Epoch.next(after: Epoch.initial)
            self.entries = entries
            positions = Self.positions(of: entries)
        }

        static func positions(of entries: [Entry]) -> [TopicPartition: Int] {
            var positions = [TopicPartition: Int](minimumCapacity: entries.count)
            for (position, entry) in entries.enumerated() { positions[entry.topicPartition] = position }
            return positions
        }

        /// The position of `topicPartition`: `guess` when the results line up with the session's order (they
        /// do for a read of the session in order), else looked up.
        func position(of topicPartition: TopicPartition, guess: Int) -> Int? {
            if guess < entries.count, entries[guess].topicPartition == topicPartition { return guess }
            return positions[topicPartition]
        }

        /// Orders sessions for eviction (Kafka's `EvictableKey`): client sessions before followers', then smaller
        /// ones first, then by id.
        static func evictionOrder(_ a: (privileged: Bool, size: Int, id: Int32), _ b: (privileged: Bool, size: Int, id: Int32)) -> Bool {
            if a.privileged != b.privileged { return !a.privileged }
            if a.size != b.size { return a.size < b.size }
            return a.id < b.id
        }

        var evictionKey: (privileged: Bool, size: Int, id: Int32) { (privileged, entries.count, id) }
    }

    /// What one Fetch request is, given its session id and epoch (Kafka's `FetchContext`s).
    enum Context: Sendable, Equatable {
        /// The session id or epoch is wrong: the whole request fails with this error.
        case error(ErrorCode)
        /// A full fetch without a session: read and answer the requested partitions.
        case sessionless
        /// A full fetch that opens a session: read and answer the requested partitions, then `createSession`.
        case full
        /// An incremental fetch of session `sessionId`: read `partitions` (the whole session), answer only what
        /// `incrementalResponse` keeps.
        case incremental(sessionId: Int32, partitions: [FetchPartitionRequest])
    }

    /// `max.incremental.fetch.session.cache.slots`.
    let maxSessions: Int
    /// Kafka's `MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS`: a session unused this long may be evicted by any new
    /// one, and a session older than this no longer counts as a follower's.
    let evictionMs: Int64
    private(set) var sessions: [Int32: Session] = [:]
    private var nextId: Int32

    /// - Parameter firstId: where session ids start (random in the broker, so a restarted broker does not hand out
    ///   the ids its clients still hold).
    init(maxSessions: Int, evictionMs: Int64 = 120_000, firstId: Int32 = 1) {
        self.maxSessions = max(0, maxSessions)
        self.evictionMs = evictionMs
        nextId = max(1, firstId)
    }

    /// Kafka's `FetchManager.newContext`.
    mutating func newContext(
        sessionId: Int32, epoch: Int32, requested: [FetchPartitionRequest], forgotten: [TopicPartition], nowMs: Int64
    ) -> Context {
        if epoch == Epoch.initial || epoch == Epoch.final {
            // A full fetch closes the session it names.
            if sessionId != 0 { sessions[sessionId] = nil }
            return epoch == Epoch.final ? .sessionless : .full
        }
        // Taken out of the table while it changes, so its partitions are not copied on write every fetch.
        guard var session = sessions.removeValue(forKey: sessionId) else { return .error(.fetchSessionIdNotFound) }
        guard session.epoch == epoch else {
            sessions[sessionId] = session
            return .error(.invalidFetchSessionEpoch)
        }
        let removed = Set(forgotten.filter { session.positions[$0] != nil })
        if !removed.isEmpty {
            session.entries.removeAll { removed.contains($0.topicPartition) }
            session.positions = Session.positions(of: session.entries)
        }
        for request in requested {
            if let position = session.positions[request.topicPartition] {
                session.entries[position].cached.update(from: request)
            } else {
                session.positions[request.topicPartition] = session.entries.count
                session.entries.append(Session.Entry(topicPartition: request.topicPartition, cached: CachedPartition(request)))
            }
        }
        if session.entries.isEmpty { return .sessionless }
        session.epoch = Epoch.next(after: session.epoch)
        session.lastUsedMs = nowMs
        sessions[sessionId] = session
        let partitions = session.entries.map { $0.cached.request(for: $0.topicPartition) }
        return .incremental(sessionId: sessionId, partitions: partitions)
    }

    /// After a full fetch: opens a session of its partitions, which remember what `results` told the client.
    /// Returns the new session's id, or 0 when there is no room (the client then keeps sending full fetches).
    mutating func createSession(
        privileged: Bool, requested: [FetchPartitionRequest], results: [FetchPartitionResult], nowMs: Int64
    ) -> Int32 {
        guard !requested.isEmpty, sessions.count < maxSessions || evictOne(privileged: privileged, size: requested.count, nowMs: nowMs)
        else { return 0 }
        var positions = [TopicPartition: Int](minimumCapacity: requested.count)
        var entries: [Session.Entry] = []
        entries.reserveCapacity(requested.count)
        for request in requested where positions[request.topicPartition] == nil {
            positions[request.topicPartition] = entries.count
            entries.append(Session.Entry(topicPartition: request.topicPartition, cached: CachedPartition(request)))
        }
        for result in results {
            guard let position = positions[result.topicPartition] else { continue }
            _ = entries[position].cached.mustRespond(with: result)
        }
        let id = newSessionId()
        sessions[id] = Session(id: id, privileged: privileged, nowMs: nowMs, entries: entries)
        return id
    }

    /// After an incremental fetch: the results its answer carries (Kafka's `IncrementalFetchContext`), in the
    /// session's order. A session evicted meanwhile answers everything.
    mutating func incrementalResponse(sessionId: Int32, results: [FetchPartitionResult]) -> [FetchPartitionResult] {
        guard var session = sessions.removeValue(forKey: sessionId) else { return results }
        var kept: [FetchPartitionResult] = []
        var withRecords: [Int] = []
        var moved: Set<Int> = []
        for (index, result) in results.enumerated() {
            if let position = session.position(of: result.topicPartition, guess: index) {
                guard session.entries[position].cached.mustRespond(with: result) else { continue }
                if result.bytes > 0, moved.insert(position).inserted { withRecords.append(position) }
            }
            kept.append(result)
        }
        if let first = withRecords.min() {
            // Those that returned records go to the back, in the order they were read. Only the entries from the
            // first of them on move; under load those are the last few, already at the back.
            let tail = session.entries.indices[first...].filter { !moved.contains($0) } + withRecords
            session.entries.replaceSubrange(first..., with: tail.map { session.entries[$0] })
            for position in first..<session.entries.count {
                session.positions[session.entries[position].topicPartition] = position
            }
        }
        sessions[sessionId] = session
        return kept
    }

    /// Kafka's `tryEvict`: a session unused for `evictionMs`, else the first in eviction order among those a new
    /// session of this kind may evict, if the new one ranks at least as high.
    private mutating func evictOne(privileged: Bool, size: Int, nowMs: Int64) -> Bool {
        if let stale = sessions.values.min(by: { $0.lastUsedMs < $1.lastUsedMs }), nowMs - stale.lastUsedMs > evictionMs {
            sessions[stale.id] = nil
            return true
        }
        let evictable = sessions.values.filter { session in
            let old = nowMs - session.creationMs > evictionMs
            return privileged ? (!session.privileged || old) : old
        }
        guard let candidate = evictable.min(by: { Session.evictionOrder($0.evictionKey, $1.evictionKey) }),
            !Session.evictionOrder((privileged, size, 0), candidate.evictionKey)
        else { return false }
        sessions[candidate.id] = nil
        return true
    }

    private mutating func newSessionId() -> Int32 {
        while sessions[nextId] != nil || nextId <= 0 {
            nextId = nextId == .max ? 1 : nextId + 1
        }
        defer { nextId = nextId == .max ? 1 : nextId + 1 }
        return nextId
    }
}
