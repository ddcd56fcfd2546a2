import Coordination
import Synchronization

/// What this broker knows of the cluster (Kafka's `MetadataCache`), filled only by the controller's
/// UpdateMetadata requests, so every broker answers Metadata requests with the controller's view.
final class MetadataCache: Sendable {
    struct Node: Sendable, Hashable {
        var id: Int32
        var rack: String?
        /// Listener name -> (host, port).
        var endpoints: [String: HostAndPort]
    }

    struct HostAndPort: Sendable, Hashable {
        var host: String
        var port: Int32
    }

    private struct Snapshot {
        var controllerId: Int32?
        var brokers: [Int32: Node] = [:]
        var topics: [String: [Int32: PartitionState]] = [:]
    }

    private let snapshot = Mutex(Snapshot())

    var controllerId: Int32? { snapshot.withLock { $0.controllerId } }

    func aliveBrokers() -> [Node] { snapshot.withLock { $0.brokers.values.sorted { $0.id < $1.id } } }

    func aliveBroker(_ id: Int32) -> Node? { snapshot.withLock { $0.brokers[id] } }

    func topicNames() -> [String] { snapshot.withLock { $0.topics.keys.sorted() } }

    func contains(topic: String) -> Bool { snapshot.withLock { $0.topics[topic] != nil } }

    func contains(topic: String, partition: Int32) -> Bool {
        snapshot.withLock { $0.topics[topic]?[partition] != nil }
    }

    /// The topic's partitions in index order, or nil when the topic is unknown.
    func partitions(of topic: String) -> [PartitionState]? {
        snapshot.withLock { snapshot in
            snapshot.topics[topic].map { $0.values.sorted { $0.partition < $1.partition } }
        }
    }

    /// How many partition replicas each broker is assigned, over every topic.
    func replicaCountsByBroker() -> [Int32: Int] {
        snapshot.withLock { snapshot in
            var counts: [Int32: Int] = [:]
            for partitions in snapshot.topics.values {
                for state in partitions.values {
                    for broker in state.replicas { counts[broker, default: 0] += 1 }
                }
            }
            return counts
        }
    }

    /// Controller, live brokers and every partition, read at once so that they agree.
    func clusterView() -> (controllerId: Int32?, brokers: [Node], partitions: [PartitionState]) {
        snapshot.withLock { snapshot in
            (snapshot.controllerId, snapshot.brokers.values.sorted { $0.id < $1.id },
             snapshot.topics.values.flatMap { $0.values })
        }
    }

    /// Topics and partitions in the cluster, those without a live leader and those not led by their preferred
    /// replica (the controller's gauges): counted under the lock rather than copying every partition's state.
    func leadershipSummary() -> LeadershipSummary {
        snapshot.withLock { snapshot in
            var summary = LeadershipSummary(topics: snapshot.topics.count)
            for partitions in snapshot.topics.values {
                for state in partitions.values {
                    summary.partitions += 1
                    if state.leader < 0 || snapshot.brokers[state.leader] == nil { summary.offline += 1 }
                    if let preferred = state.replicas.first, state.leader >= 0, state.leader != preferred {
                        summary.preferredReplicaImbalance += 1
                    }
                }
            }
            return summary
        }
    }

    struct LeadershipSummary: Sendable, Equatable {
        var topics: Int
        var partitions = 0
        var offline = 0
        var preferredReplicaImbalance = 0
    }

    func partition(_ topic: String, _ partition: Int32) -> PartitionState? {
        snapshot.withLock { $0.topics[topic]?[partition] }
    }

    /// Applies an UpdateMetadata: the live brokers are replaced; partition states are upserted, and those whose
    /// leader is `leaderDuringDelete` removed.
    func update(controllerId: Int32, brokers: [Node], partitions: [PartitionState]) {
        snapshot.withLock { snapshot in
            snapshot.controllerId = controllerId
            snapshot.brokers = Dictionary(brokers.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            for info in partitions {
                let topic = info.topic
                if info.leader == LeaderAndIsr.leaderDuringDelete {
                    snapshot.topics[topic]?[info.partition] = nil
                    if snapshot.topics[topic]?.isEmpty == true { snapshot.topics[topic] = nil }
                } else {
                    snapshot.topics[topic, default: [:]][info.partition] = info
                }
            }
        }
    }
}
