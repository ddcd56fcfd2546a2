import KafkaProtocol
import Synchronization

/// Kafka's `ReplicationQuotaManager`, one for each direction: the leader's (bytes it sends to followers that are
/// catching up) and the follower's (bytes it fetches while catching up). A partition is throttled on this broker
/// when its topic's `*.replication.throttled.replicas` names it with this broker (or is `*`); the bound is this
/// broker's `*.replication.throttled.rate`. Only replicas outside the ISR are ever held back, by the callers.
///
/// Thread-safety: every method may be called from any task; the decisions take the time as `nowMs`.
final class ReplicationQuotaManager: Sendable {
    enum Direction: String, Sendable {
        case leader
        case follower

        var rateKey: String { "\(rawValue).replication.throttled.rate" }
        var replicasKey: String { "\(rawValue).replication.throttled.replicas" }
    }

    private struct State {
        var quota: ReplicationQuota
        var throttled: [String: ThrottledReplicaList.Partitions] = [:]

        func isThrottled(_ topicPartition: TopicPartition) -> Bool {
            throttled[topicPartition.topic]?.contains(topicPartition.partition) ?? false
        }
    }

    let direction: Direction
    private let state: Mutex<State>
    /// Whether any topic has throttled replicas here, so that the check made for every partition of every
    /// replica fetch takes no lock while nothing is throttled (the usual case). Written under `state`'s lock.
    private let throttlesAny = Atomic<Bool>(false)

    init(direction: Direction, samples: Int = 11, windowMs: Int64 = 1000) {
        self.direction = direction
        state = Mutex(State(quota: ReplicationQuota(samples: samples, windowMs: windowMs)))
    }

    /// Kafka's `updateQuota`: the new bound takes effect at once; the recorded bytes stay.
    func updateQuota(bytesPerSecond: Int64) {
        state.withLock { $0.quota.bytesPerSecond = max(0, bytesPerSecond) }
    }

    var bytesPerSecond: Int64 { state.withLock { $0.quota.bytesPerSecond } }

    /// Kafka's `markThrottled`/`removeThrottle` from a topic's overrides, read for `brokerId`.
    func updateThrottledReplicas(topic: String, overrides: [String: String], brokerId: Int32) {
        let partitions = overrides[direction.replicasKey].flatMap { ThrottledReplicaList.partitions($0, brokerId: brokerId) }
        state.withLock {
            $0.throttled[topic] = partitions
            throttlesAny.store(!$0.throttled.isEmpty, ordering: .releasing)
        }
    }

    func isThrottled(_ topicPartition: TopicPartition) -> Bool {
        guard throttlesAny.load(ordering: .acquiring) else { return false }
        return state.withLock { $0.isThrottled(topicPartition) }
    }

    func isQuotaExceeded(nowMs: Int64) -> Bool { state.withLock { $0.quota.isExceeded(nowMs: nowMs) } }

    func record(_ bytes: Int, nowMs: Int64) {
        guard bytes > 0 else { return }
        state.withLock { $0.quota.record(bytes, nowMs: nowMs) }
    }

    /// Kafka's `shouldLeaderThrottle` and `shouldFollowerThrottle`: a replica outside the ISR of a throttled
    /// partition waits while the quota is exceeded; an in-sync replica never does. `replicaInSync` is asked last,
    /// only for a throttled partition over its quota: a leader answers it from the partition's state, per partition
    /// of every follower fetch.
    func shouldThrottle(_ topicPartition: TopicPartition, replicaInSync: @autoclosure () -> Bool, nowMs: Int64) -> Bool {
        guard throttlesAny.load(ordering: .acquiring) else { return false }
        let held = state.withLock { $0.isThrottled(topicPartition) && $0.quota.isExceeded(nowMs: nowMs) }
        return held && !replicaInSync()
    }
}

extension ReplicaManager {
    /// Kafka 2.8's `BrokerConfigHandler`: the throttle rates come from this broker's own dynamic configs
    /// (`/config/brokers/<id>`), a missing or unusable one meaning unthrottled; the cluster-wide default does not
    /// set them.
    func updateReplicationThrottleRates(perBrokerConfigs: [String: String]) {
        for quota in [leaderQuota, followerQuota] {
            let rate = perBrokerConfigs[quota.direction.rateKey].flatMap { Int64($0.trimmingJavaWhitespace()) }
            quota.updateQuota(bytesPerSecond: rate ?? ReplicationQuota.unthrottled)
        }
    }
}
