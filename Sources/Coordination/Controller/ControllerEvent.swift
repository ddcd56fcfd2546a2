import KafkaProtocol
import Synchronization

/// What the controller's single event loop processes, one at a time and in order (Kafka's `ControllerEvent`s).
/// Watch events only say "look again": the handler re-reads ZooKeeper, so several changes seen as one are fine.
enum ControllerEvent: Sendable {
    case startup
    case brokerChange
    case topicChange
    case partitionModifications(topic: String)
    case topicDeletion
    case isrChangeNotification
    case topicDeletionStopReplicaResponse(broker: Int32, partitions: [TopicPartition], errors: [TopicPartition: ErrorCode])
    /// A broker's per-partition answer to a LeaderAndIsr (only those with an error or newly without one matter).
    case leaderAndIsrResponse(broker: Int32, brokerEpoch: Int64, errors: [TopicPartition: ErrorCode])
    /// A watch ended because the session did: the controller stops.
    case sessionEnded(any Error)
    /// A broker asks to have its leaderships moved before it stops (ControlledShutdown).
    case controlledShutdown(brokerId: Int32, brokerEpoch: Int64, reply: ControllerReplyID)
    /// ElectLeaders: `partitions` nil means every partition.
    case electLeaders(partitions: [TopicPartition]?, type: ElectionType, reply: ControllerReplyID)
    /// The periodic check of `auto.leader.rebalance.enable` (Kafka's `AutoPreferredReplicaLeaderElection`).
    case autoPreferredReplicaLeaderElection
    /// AlterPartitionReassignments: a nil target cancels.
    case alterPartitionReassignments([TopicPartition: [Int32]?], reply: ControllerReplyID)
    /// ListPartitionReassignments: nil lists every ongoing one.
    case listPartitionReassignments([TopicPartition]?, reply: ControllerReplyID)
    /// `/admin/reassign_partitions` appeared or changed.
    case zkPartitionReassignment

    /// Watch triggers coalesce: one pending trigger of a kind is enough.
    fileprivate enum Trigger: Hashable {
        case brokerChange, topicChange, partitionModifications(String), topicDeletion, isrChangeNotification
        case autoPreferredReplicaLeaderElection, zkPartitionReassignment
    }

    fileprivate var trigger: Trigger? {
        switch self {
        case .brokerChange: .brokerChange
        case .topicChange: .topicChange
        case .partitionModifications(let topic): .partitionModifications(topic)
        case .topicDeletion: .topicDeletion
        case .isrChangeNotification: .isrChangeNotification
        case .autoPreferredReplicaLeaderElection: .autoPreferredReplicaLeaderElection
        case .zkPartitionReassignment: .zkPartitionReassignment
        case .startup, .topicDeletionStopReplicaResponse, .leaderAndIsrResponse, .sessionEnded, .controlledShutdown,
            .electLeaders, .alterPartitionReassignments, .listPartitionReassignments:
            nil
        }
    }
}

/// The controller's event queue (Kafka's `ControllerEventManager` queue). Bounded by coalescing: a watch trigger
/// already waiting is not queued twice, so the queue holds at most one trigger per kind (and per topic) plus the
/// StopReplica answers of requests the controller sent. Thread-safe; one consumer.
final class ControllerEventQueue: Sendable {
    let events: AsyncStream<ControllerEvent>
    private let continuation: AsyncStream<ControllerEvent>.Continuation
    private let pending = Mutex<Set<ControllerEvent.Trigger>>([])

    init() {
        (events, continuation) = AsyncStream.makeStream(of: ControllerEvent.self)
    }

    func put(_ event: ControllerEvent) {
        if let trigger = event.trigger {
            guard pending.withLock({ $0.insert(trigger).inserted }) else { return }
        }
        continuation.yield(event)
    }

    /// Called by the consumer as it starts on `event`: a change after this point queues a new trigger.
    func taken(_ event: ControllerEvent) {
        if let trigger = event.trigger { _ = pending.withLock { $0.remove(trigger) } }
    }

    func finish() { continuation.finish() }
}
