import KafkaProtocol
import Synchronization

/// The broker's fetch sessions (Kafka's `FetchManager`): `FetchSessionCache` behind a lock, with the clock.
/// Thread-safe.
final class FetchManager: Sendable {
    /// Kafka's default `max.incremental.fetch.session.cache.slots`.
    static let defaultMaxSessions = 1000

    private let cache: Mutex<FetchSessionCache>
    private let clock: @Sendable () -> Int64

    init(maxSessions: Int = FetchManager.defaultMaxSessions, clock: @escaping @Sendable () -> Int64 = MonotonicClock.milliseconds) {
        cache = Mutex(FetchSessionCache(maxSessions: maxSessions, firstId: Int32.random(in: 1...Int32.max)))
        self.clock = clock
    }

    func newContext(
        sessionId: Int32, epoch: Int32, requested: [FetchPartitionRequest], forgotten: [TopicPartition]
    ) -> FetchSessionCache.Context {
        // Most consumers (librdkafka, kafka-python, aiokafka) never use sessions: their fetches skip the lock.
        if sessionId == 0, epoch == FetchSessionCache.Epoch.final { return .sessionless }
        let nowMs = clock()
        return cache.withLock {
            $0.newContext(sessionId: sessionId, epoch: epoch, requested: requested, forgotten: forgotten, nowMs: nowMs)
        }
    }

    func createSession(privileged: Bool, requested: [FetchPartitionRequest], results: [FetchPartitionResult]) -> Int32 {
        let nowMs = clock()
        return cache.withLock { $0.createSession(privileged: privileged, requested: requested, results: results, nowMs: nowMs) }
    }

    func incrementalResponse(sessionId: Int32, results: [FetchPartitionResult]) -> [FetchPartitionResult] {
        cache.withLock { $0.incrementalResponse(sessionId: sessionId, results: results) }
    }

    /// Open sessions (Kafka's `NumIncrementalFetchSessions`).
    var sessionCount: Int { cache.withLock { $0.sessions.count } }
}
