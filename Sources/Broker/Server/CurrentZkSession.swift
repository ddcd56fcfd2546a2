import Coordination
import Synchronization

/// The broker's current ZooKeeper session for components built before `ClusterMembership` exists (the request
/// handlers come before the listeners, which come before registration): the startup session until `follow` is
/// called, then whatever session the membership holds, which it replaces after an expiry.
final class CurrentZkSession: Sendable {
    private let state: Mutex<(startup: KafkaZkClient, membership: ClusterMembership?)>

    init(_ startup: KafkaZkClient) {
        state = Mutex((startup, nil))
    }

    func follow(_ membership: ClusterMembership) {
        state.withLock { $0.membership = membership }
    }

    var membership: ClusterMembership? { state.withLock { $0.membership } }

    var zk: KafkaZkClient {
        state.withLock { $0.membership?.zk ?? $0.startup }
    }
}
