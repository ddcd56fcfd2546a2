import Logging
import Synchronization
internal import CZooKeeper

/// The state one session shares between Swift callers and the C client's threads.
///
/// Two locks with separate jobs: `handleState` guards the `zhandle_t` (operations borrow it only for the duration of
/// a non-blocking `zoo_a*` submission, `close` takes it away for good), `events` guards what C callbacks touch
/// (session state, its subscribers, pending one-shot watches). C callbacks never take `handleState`, so a
/// submission can never wait on a callback that waits on it.
///
/// Lifetime: the C client holds this object unretained as its context. `ZooKeeperClient` keeps it alive until
/// `zookeeper_close` has returned, after which the C client calls nothing.
final class SessionCore: Sendable {
    private struct HandleState {
        var handle: ZHandle?
    }

    private struct Events {
        var state: SessionState = .connecting
        var everConnected = false
        var nextID = 1
        var stateSubscribers: [Int: AsyncStream<SessionState>.Continuation] = [:]
        var watches: [Int: AsyncStream<WatchedEvent>.Continuation] = [:]
    }

    let logger: Logger
    let requestObserver: ZooKeeperRequestObserver?
    private let handleState = Mutex(HandleState())
    private let events = Mutex(Events())

    init(logger: Logger, requestObserver: ZooKeeperRequestObserver? = nil) {
        self.logger = logger
        self.requestObserver = requestObserver
    }

    // MARK: handle

    func attach(_ handle: ZHandle) {
        handleState.withLock { $0.handle = handle }
    }

    /// Runs a non-blocking submission against the live handle.
    func withHandle(_ submit: (OpaquePointer) -> Int32) throws(ZooKeeperError) -> Int32 {
        let result: Int32? = handleState.withLock { state in
            guard let handle = state.handle else { return nil }
            return submit(handle.pointer)
        }
        guard let result else { throw .closed }
        return result
    }

    /// Takes the handle away so that no further submission can use it; returns it for `zookeeper_close`.
    func detachHandle() -> ZHandle? {
        handleState.withLock { state in
            defer { state.handle = nil }
            return state.handle
        }
    }

    // MARK: session state

    var state: SessionState { events.withLock { $0.state } }

    /// Maps a C session event to our states and fans it out. Called on the C completion thread.
    func sessionEvent(cState: Int32) {
        let newState: SessionState
        switch cState {
        case ZOO_CONNECTED_STATE, ZOO_READONLY_STATE: newState = .connected
        case ZOO_EXPIRED_SESSION_STATE: newState = .expired
        case ZOO_AUTH_FAILED_STATE: newState = .authFailed
        default: newState = events.withLock { $0.everConnected ? .disconnected : .connecting }
        }
        transition(to: newState)
    }

    func transition(to newState: SessionState) {
        let (changed, subscribers, watches) = events.withLock { ev in
            guard !ev.state.isTerminal, ev.state != newState else {
                return (false, [AsyncStream<SessionState>.Continuation](), [AsyncStream<WatchedEvent>.Continuation]())
            }
            ev.state = newState
            if newState == .connected { ev.everConnected = true }
            let subscribers = Array(ev.stateSubscribers.values)
            var watches: [AsyncStream<WatchedEvent>.Continuation] = []
            if newState.isTerminal {
                watches = Array(ev.watches.values)
                ev.watches.removeAll()
                ev.stateSubscribers.removeAll()
            }
            return (true, subscribers, watches)
        }
        guard changed else { return }
        for subscriber in subscribers {
            subscriber.yield(newState)
            if newState.isTerminal { subscriber.finish() }
        }
        // A watch of a dead session can never fire: finishing its stream without an event says so.
        for watch in watches { watch.finish() }
    }

    /// A stream that yields the current state first, then every change, and finishes after a terminal state.
    func stateStream() -> AsyncStream<SessionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionState.self, bufferingPolicy: .unbounded)
        let current: SessionState = events.withLock { ev in
            if !ev.state.isTerminal {
                let id = ev.nextID
                ev.nextID += 1
                ev.stateSubscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in
                    self?.events.withLock { _ = $0.stateSubscribers.removeValue(forKey: id) }
                }
            }
            return ev.state
        }
        continuation.yield(current)
        if current.isTerminal { continuation.finish() }
        return stream
    }

    // MARK: one-shot watches

    /// Registers a pending watch. Its id is the C watcher context (an integer, not a pointer), so a watch that
    /// never fires costs nothing to forget.
    func registerWatch() -> (id: Int, events: AsyncStream<WatchedEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchedEvent.self, bufferingPolicy: .unbounded)
        let id: Int? = events.withLock { ev in
            guard !ev.state.isTerminal else { return nil }
            let id = ev.nextID
            ev.nextID += 1
            ev.watches[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return (0, stream)
        }
        return (id, stream)
    }

    /// Delivers the event of a fired watch. Called on the C completion thread.
    func fireWatch(id: Int, event: WatchedEvent) {
        let continuation = events.withLock { $0.watches.removeValue(forKey: id) }
        continuation?.yield(event)
        continuation?.finish()
    }

    /// Drops a watch the server did not set (the request that would have set it failed).
    func cancelWatch(id: Int) {
        events.withLock { $0.watches.removeValue(forKey: id) }?.finish()
    }
}

/// A `zhandle_t *`. Sendable because `libzookeeper_mt` is thread-safe: any thread may submit requests on a handle.
struct ZHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
