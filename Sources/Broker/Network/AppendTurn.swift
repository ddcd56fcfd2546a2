import Synchronization

/// The place of one produce request in its connection's order of appends.
///
/// A connection may have several produce requests in flight at once (`KafkaConnectionHandler`): the next one is
/// parsed and its batches validated while the previous one is written, and an acks=all request waits for its
/// followers while the next one appends. What Kafka's one-request-at-a-time processing guarantees is kept: each
/// request appends only after every request before it on the connection has finished appending
/// (`waitForPredecessor`), so a producer's batches reach each partition in the order it sent them, and answers still
/// go out in request order.
///
/// A turn counts as finished once its request called `finish` (done appending, or over without appending) and the
/// turn before it is finished too: a request that fails early never lets a later one overtake an earlier one.
/// Finishing twice is harmless; the connection finishes every turn when its request is over.
final class AppendTurn: Sendable {
    private struct State {
        var finished = false
        var finishRequested = false
        /// Dropped once finished, so a long-lived connection does not keep a chain of turns alive.
        var predecessor: AppendTurn?
        var onFinished: [@Sendable () -> Void] = []
    }

    private let state: Mutex<State>

    /// The turn after `predecessor` (nil for the first).
    init(after predecessor: AppendTurn?) {
        state = Mutex(State(predecessor: predecessor))
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// Returns once every earlier request on the connection has finished appending.
    func waitForPredecessor() async {
        guard let predecessor = state.withLock({ $0.predecessor }) else { return }
        await withCheckedContinuation { continuation in
            predecessor.whenFinished { continuation.resume() }
        }
    }

    /// This request is done appending (or will not append): later ones may, once the earlier ones are done too.
    func finish() {
        let predecessor: AppendTurn? = state.withLock { state in
            guard !state.finishRequested else { return nil }
            state.finishRequested = true
            return state.predecessor ?? self
        }
        guard let predecessor else { return }
        if predecessor === self {
            complete()
        } else {
            predecessor.whenFinished { self.complete() }
        }
    }

    private func complete() {
        let callbacks = state.withLock { state in
            guard !state.finished else { return [@Sendable () -> Void]() }
            state.finished = true
            state.predecessor = nil
            defer { state.onFinished.removeAll() }
            return state.onFinished
        }
        for callback in callbacks { callback() }
    }

    /// Runs `callback` once this turn is finished (at once if it is).
    private func whenFinished(_ callback: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            if state.finished { return true }
            state.onFinished.append(callback)
            return false
        }
        if now { callback() }
    }
}
