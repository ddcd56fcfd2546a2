import KafkaProtocol
import Synchronization
import Storage

/// Wakes parked fetches and produces when a partition they wait on changes (an append, a high watermark move, an
/// ISR or leadership change): the purgatory of Kafka's DelayedFetch and DelayedProduce, keyed by partition.
typealias PartitionActivity = ActivitySignal<TopicPartition>

/// Change counters per key, and tasks parked until one of their keys changes.
///
/// A waiter checks its condition, and only if it does not hold does it park. To not miss a change that lands between
/// its check and its parking, it takes a `Token` (each key's change counter) before checking; `wait` returns at
/// once if any counter moved since.
final class ActivitySignal<Key: Hashable & Sendable>: Sendable {
    struct Token: Sendable {
        fileprivate var counters: [Key: UInt64]
    }

    private struct Waiter {
        var partitions: [Key]
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var counters: [Key: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var waitersByPartition: [Key: Set<UInt64>] = [:]
        var cancelled: Set<UInt64> = []
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    func token(for partitions: [Key]) -> Token {
        state.withLock { state in
            // Taken for every fetch, of thousands of partitions for a follower: no intermediate array.
            var counters = [Key: UInt64](minimumCapacity: partitions.count)
            for partition in partitions { counters[partition] = state.counters[partition, default: 0] }
            return Token(counters: counters)
        }
    }

    /// Whether a partition of `token` changed since the token was taken.
    func hasChanged(since token: Token) -> Bool {
        state.withLock { state in token.counters.contains { state.counters[$0.key, default: 0] != $0.value } }
    }

    /// Something changed on `partition`: every task parked on it re-checks.
    func notify(_ partition: Key) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.counters[partition, default: 0] &+= 1
            guard let ids = state.waitersByPartition.removeValue(forKey: partition) else { return [] }
            return ids.compactMap { Self.remove($0, from: &state)?.continuation }
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns when a partition of `token` changes after the token was taken, or after `timeout`, or on
    /// cancellation, whichever comes first.
    func wait(_ token: Token, timeout: Duration) async {
        guard timeout > .zero else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForChange(token) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForChange(_ token: Token) async {
        let id = state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil { return true }
                    if token.counters.contains(where: { state.counters[$0.key, default: 0] != $0.value }) { return true }
                    let partitions = Array(token.counters.keys)
                    state.waiters[id] = Waiter(partitions: partitions, continuation: continuation)
                    for partition in partitions { state.waitersByPartition[partition, default: []].insert(id) }
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                if let waiter = Self.remove(id, from: &state) { return waiter.continuation as CheckedContinuation<Void, Never>? }
                state.cancelled.insert(id)
                return nil
            }
            continuation?.resume()
        }
        // A cancellation that raced with a wake-up leaves a marker nobody consumes.
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    private static func remove(_ id: UInt64, from state: inout State) -> Waiter? {
        guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
        for partition in waiter.partitions {
            state.waitersByPartition[partition]?.remove(id)
            if state.waitersByPartition[partition]?.isEmpty == true { state.waitersByPartition[partition] = nil }
        }
        return waiter
    }
}
