import KafkaProtocol
import Synchronization

/// How the broker's request handlers reach the controller while this broker is it: ControlledShutdown and
/// ElectLeaders become events in the controller's queue, and the caller waits for the answer. A term that ends
/// answers everyone still waiting with nil (the caller's NOT_CONTROLLER), and so does a call made after it ended.
public final class ActiveControllerHandle: Sendable {
    private struct Waiting {
        var nextId: ControllerReplyID = 0
        var continuations: [ControllerReplyID: CheckedContinuation<ControllerReply?, Never>] = [:]
        var closed = false
    }

    private let queue: ControllerEventQueue
    private let waiting = Mutex(Waiting())

    init(queue: ControllerEventQueue) {
        self.queue = queue
    }

    /// Moves the broker's leaderships away; nil when this broker is no longer the controller.
    public func controlledShutdown(brokerId: Int32, brokerEpoch: Int64) async -> ControlledShutdownResult? {
        guard case .controlledShutdown(let result)? = await request({ .controlledShutdown(brokerId: brokerId, brokerEpoch: brokerEpoch, reply: $0) })
        else { return nil }
        return result
    }

    /// Elects leaders for `partitions` (nil: all); nil when this broker is no longer the controller.
    public func electLeaders(_ partitions: [TopicPartition]?, type: ElectionType) async -> [TopicPartition: ElectionOutcome]? {
        guard case .electLeaders(let results)? = await request({ .electLeaders(partitions: partitions, type: type, reply: $0) })
        else { return nil }
        return results
    }

    /// Starts (or, with a nil target, cancels) reassignments; per partition Kafka's error, `.success` when started.
    public func alterPartitionReassignments(_ reassignments: [TopicPartition: [Int32]?]) async -> [TopicPartition: ApiError]? {
        guard case .alterPartitionReassignments(let results)? = await request({ .alterPartitionReassignments(reassignments, reply: $0) })
        else { return nil }
        return results
    }

    /// The ongoing reassignments among `partitions` (nil: all).
    public func listPartitionReassignments(_ partitions: [TopicPartition]?) async -> [TopicPartition: PartitionReplicas]? {
        guard case .listPartitionReassignments(let results)? = await request({ .listPartitionReassignments(partitions, reply: $0) })
        else { return nil }
        return results
    }

    private func request(_ event: (ControllerReplyID) -> ControllerEvent) async -> ControllerReply? {
        await withCheckedContinuation { continuation in
            let id: ControllerReplyID? = waiting.withLock { state in
                guard !state.closed else { return nil }
                state.nextId += 1
                state.continuations[state.nextId] = continuation
                return state.nextId
            }
            guard let id else { return continuation.resume(returning: nil) }
            queue.put(event(id))
        }
    }

    /// The controller's answer to request `id`.
    func complete(_ id: ControllerReplyID, _ reply: ControllerReply) {
        waiting.withLock { $0.continuations.removeValue(forKey: id) }?.resume(returning: reply)
    }

    /// The term ended: nobody is answered any more.
    func close() {
        let continuations = waiting.withLock { state in
            state.closed = true
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in continuations { continuation.resume(returning: nil) }
    }
}
