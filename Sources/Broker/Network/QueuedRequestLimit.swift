import Synchronization

/// Kafka's `queued.max.requests` (default 500): how many requests, across all connections, may be handed to the
/// request handlers and not yet be processed. Kafka's network threads block on its full `RequestChannel` queue and
/// stop reading; here a connection takes a place when it starts a request and gives it back when the handler is
/// done (the answer written or not), and starts nothing while the count is at the limit; its own queue then fills
/// and it stops reading. When the count falls below the limit, every connection that waited is woken once.
///
/// An answer a client does not read holds no place (as in Kafka, whose handlers are done with it): a connection
/// whose client stopped reading starts nothing more, so thousands of such connections cannot take the broker's
/// places from clients that read.
///
/// Shared by every connection of a broker; thread-safe.
final class QueuedRequestLimit: Sendable {
    /// Kafka's default `queued.max.requests`.
    static let defaultMaxQueued = 500

    let maxQueued: Int

    private struct State {
        var queued = 0
        var waiters: [UInt64: @Sendable () -> Void] = [:]
        var nextWaiterId: UInt64 = 0
    }

    private let state = Mutex(State())

    init(maxQueued: Int = QueuedRequestLimit.defaultMaxQueued) {
        precondition(maxQueued >= 1, "queued.max.requests is validated to be at least 1")
        self.maxQueued = maxQueued
    }

    /// Requests being processed, on all connections.
    var queued: Int { state.withLock { $0.queued } }

    var isFull: Bool { state.withLock { $0.queued >= maxQueued } }

    /// Connections holding their reads until the count falls.
    var waitingConnections: Int { state.withLock { $0.waiters.count } }

    /// A request starts if a place is free: it then counts until `remove` is called for it.
    func tryAdd() -> Bool {
        state.withLock { state in
            guard state.queued < maxQueued else { return false }
            state.queued += 1
            return true
        }
    }

    /// `count` requests were answered or dropped; wakes the waiting connections if that frees room.
    func remove(_ count: Int = 1) {
        guard count > 0 else { return }
        let woken: [@Sendable () -> Void] = state.withLock { state in
            precondition(state.queued >= count, "more requests removed than were added")
            state.queued -= count
            guard state.queued < maxQueued, !state.waiters.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for wake in woken { wake() }
    }

    /// Registers `wake`, called once when the count falls below the limit, and returns its id for
    /// `cancelWait`; returns nil without registering when there is room already, so the caller reads at once.
    func waitForRoom(_ wake: @escaping @Sendable () -> Void) -> UInt64? {
        state.withLock { state in
            guard state.queued >= maxQueued else { return nil }
            state.nextWaiterId += 1
            state.waiters[state.nextWaiterId] = wake
            return state.nextWaiterId
        }
    }

    /// Waits until no request is being processed, or `timeout` has passed; true when none is. At shutdown, after
    /// every connection closed, the requests still running are cancelled ones finishing.
    func waitUntilIdle(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while queued > 0 {
            guard ContinuousClock.now < deadline else { return false }
            do { try await Task.sleep(for: .milliseconds(5)) } catch { return queued == 0 }
        }
        return true
    }

    /// Forgets a waiter (its connection closed).
    func cancelWait(_ id: UInt64) {
        _ = state.withLock { $0.waiters.removeValue(forKey: id) }
    }
}
