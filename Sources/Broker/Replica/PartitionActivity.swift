import KafkaClient
import KafkaProtocol
import NIOCore
import NIOPosix
import Synchronization
import Storage

/// Wakes parked fetches and produces when a partition they wait on changes (an append, a high watermark move, an
/// ISR or leadership change): the purgatory of Kafka's DelayedFetch and DelayedProduce, keyed by partition.
typealias PartitionActivity = ActivitySignal<TopicPartition>

/// A change count, the count at each key's last change, and tasks parked until one of their keys changes.
///
/// A waiter checks its condition, and only if it does not hold does it park. To not miss a change that lands between
/// its check and its parking, it takes a `Token` (the change count, and its keys) before checking; `wait` returns at
/// once if one of its keys changed since. Taking a token costs nothing per key, and while nothing at all changed
/// (an idle broker) neither does checking it: an idle follower's fetch names thousands of partitions.
///
/// A parked wait is one continuation and one timer, nothing else: thousands of fetches park and wake every second,
/// each over thousands of partitions for a follower. The timer goes on the event loop the waiter runs on (a Fetch
/// runs on its connection's loop, a follower fetcher on its own thread), so arming and cancelling it wakes no other
/// thread; waiters on Swift's pool (acks=all produces) go to the shared `ExpirationReaper`, as Kafka's purgatories
/// have theirs, whose single timer is not touched when a wait ends early.
final class ActivitySignal<Key: Hashable & Sendable>: ExpiringWaits {
    struct Token: Sendable {
        /// `State.changes` when the token was taken.
        fileprivate var taken: UInt64
        fileprivate var keys: [Key]
    }

    private struct Waiter {
        /// The keys it waits on (from its token).
        var keys: [Key]
        var continuation: CheckedContinuation<Void, Never>
        var timer: Timer?
    }

    private enum Timer {
        /// On the event loop the waiter runs on.
        case loop(NIOScheduledCallback)
        /// With the reaper: its ticket.
        case reaper(UInt64)
    }

    private struct State {
        /// Changes so far, over all keys.
        var changes: UInt64 = 0
        /// `changes` right after each key's last change.
        var lastChange: [Key: UInt64] = [:]
        /// `changes` right after the last `notifyAll`, which changes every key.
        var lastChangeOfAll: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var waitersByKey: [Key: WaiterIds] = [:]
        /// Waits cancelled before they parked: they return as soon as they try.
        var cancelled: Set<UInt64> = []
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Ends the waits of tasks that run on no event loop.
    private let reaper: ExpirationReaper

    init(reaper: ExpirationReaper = .shared) {
        self.reaper = reaper
    }

    func token(for partitions: [Key]) -> Token {
        Token(taken: state.withLock { $0.changes }, keys: partitions)
    }

    /// A token for the same keys as `token`, taken now.
    func token(renewing token: Token) -> Token {
        Token(taken: state.withLock { $0.changes }, keys: token.keys)
    }

    /// Whether a partition of `token` changed since the token was taken.
    func hasChanged(since token: Token) -> Bool {
        state.withLock { state in Self.changed(token, in: state) }
    }

    /// Something changed on `partition`: every task parked on it re-checks.
    func notify(_ partition: Key) {
        let woken: [Waiter] = state.withLock { state in
            state.changes += 1
            state.lastChange[partition] = state.changes
            guard let ids = state.waitersByKey.removeValue(forKey: partition) else { return [] }
            var woken: [Waiter] = []
            ids.forEach { id in if let waiter = Self.remove(id, from: &state) { woken.append(waiter) } }
            return woken
        }
        for waiter in woken { resume(waiter) }
    }

    /// Something changed on every key: every parked task re-checks.
    func notifyAll() {
        let woken: [Waiter] = state.withLock { state in
            state.changes += 1
            state.lastChangeOfAll = state.changes
            let woken = Array(state.waiters.values)
            state.waiters = [:]
            state.waitersByKey = [:]
            return woken
        }
        for waiter in woken { resume(waiter) }
    }

    /// Returns when a partition of `token` changes after the token was taken, or after `timeout`, or on
    /// cancellation, whichever comes first.
    func wait(_ token: Token, timeout: Duration) async {
        guard timeout > .zero else { return }
        let id = state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                park(id, token: token, timeout: timeout, continuation: continuation)
            }
        } onCancel: {
            let waiter = state.withLock { state in
                if let waiter = Self.remove(id, from: &state) { return waiter as Waiter? }
                state.cancelled.insert(id)
                return nil
            }
            if let waiter { resume(waiter) }
        }
        // A cancellation that raced with a wake-up leaves a marker nobody consumes.
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Parked waits and the keys they are registered under (tests: nothing stays behind once every wait returned).
    var parkedCount: (waiters: Int, keys: Int) {
        state.withLock { ($0.waiters.count, $0.waitersByKey.count) }
    }

    private func park(_ id: UInt64, token: Token, timeout: Duration, continuation: CheckedContinuation<Void, Never>) {
        let parked = state.withLock { state -> Bool in
            if state.cancelled.remove(id) != nil { return false }
            if Self.changed(token, in: state) { return false }
            state.waiters[id] = Waiter(keys: token.keys, continuation: continuation, timer: nil)
            for key in token.keys { state.waitersByKey[key, default: WaiterIds()].insert(id) }
            return true
        }
        guard parked else { return continuation.resume() }
        // Armed outside the lock: cancelling a callback calls back into `expire` under the event loop's lock.
        let timer: Timer
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop {
            let expiry = Expiry(signal: self, id: id)
            guard let callback = try? loop.scheduleCallback(in: .nanoseconds(timeout.saturatingNanoseconds), handler: expiry)
            else { return expire(id) }
            timer = .loop(callback)
        } else {
            timer = .reaper(reaper.schedule(id, of: self, in: timeout))
        }
        let kept = state.withLock { state -> Bool in
            guard var waiter = state.waiters[id] else { return false }
            waiter.timer = timer
            state.waiters[id] = waiter
            return true
        }
        // Woken between parking and arming: the timer has nothing left to end.
        if !kept { cancel(timer) }
    }

    /// The wait `id` timed out (or its event loop shut down): it returns, if it has not already.
    func expire(_ id: UInt64) {
        guard let waiter = state.withLock({ Self.remove(id, from: &$0) }) else { return }
        waiter.continuation.resume()
    }

    private func resume(_ waiter: Waiter) {
        if let timer = waiter.timer { cancel(timer) }
        waiter.continuation.resume()
    }

    private func cancel(_ timer: Timer) {
        switch timer {
        case .loop(let callback): callback.cancel()
        case .reaper(let ticket): reaper.cancel(ticket)
        }
    }

    private static func changed(_ token: Token, in state: State) -> Bool {
        guard state.changes != token.taken else { return false }
        return state.lastChangeOfAll > token.taken || token.keys.contains { state.lastChange[$0, default: 0] > token.taken }
    }

    private static func remove(_ id: UInt64, from state: inout State) -> Waiter? {
        guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
        // One lookup per key, the ids changed in place: a follower's fetch parks on thousands of keys.
        for key in waiter.keys {
            guard let index = state.waitersByKey.index(forKey: key) else { continue }
            state.waitersByKey.values[index].remove(id)
            if state.waitersByKey.values[index].isEmpty { state.waitersByKey.remove(at: index) }
        }
        return waiter
    }

    /// Ends a wait when its timer fires, or when its event loop shuts down with the timer pending.
    private struct Expiry: NIOScheduledCallbackHandler, Sendable {
        let signal: ActivitySignal
        let id: UInt64

        func handleScheduledCallback(eventLoop: some EventLoop) { signal.expire(id) }
        func didCancelScheduledCallback(eventLoop: some EventLoop) { signal.expire(id) }
    }
}

/// The ids of the waits parked on one key. Most keys have one or two (a partition's followers), which fit without
/// allocating; a set holds the rest.
private struct WaiterIds {
    private var first: UInt64?
    private var second: UInt64?
    private var rest: Set<UInt64> = []

    var isEmpty: Bool { first == nil && second == nil && rest.isEmpty }

    /// Inserting an id it holds changes nothing (a request may name a partition twice).
    mutating func insert(_ id: UInt64) {
        if first == id || second == id { return }
        if first == nil {
            first = id
        } else if second == nil {
            second = id
        } else {
            rest.insert(id)
        }
    }

    mutating func remove(_ id: UInt64) {
        if first == id {
            first = nil
        } else if second == id {
            second = nil
        } else {
            rest.remove(id)
        }
    }

    func forEach(_ body: (UInt64) -> Void) {
        if let first { body(first) }
        if let second { body(second) }
        for id in rest { body(id) }
    }
}
