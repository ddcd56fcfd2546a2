import Synchronization

/// Holds every request until the broker is registered in ZooKeeper (Kafka starts processing requests only at the
/// end of its startup): the listeners must be bound before registration, which publishes their ports, but a broker
/// that is not registered knows no cluster, and its answers (Metadata with no broker, UNKNOWN_TOPIC_OR_PARTITION)
/// make clients forget the brokers they knew. A restart after `kill -9` waits up to the session timeout for its old
/// registration to expire; requests wait with it, as they wait in the accept queue of a starting Kafka broker.
final class StartupGate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    var isOpen: Bool { state.withLock { $0.open } }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
