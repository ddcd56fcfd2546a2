import KafkaProtocol
import Logging
import Synchronization

/// One controller-to-broker request waiting in that broker's queue.
enum ControllerRequest: Sendable, Hashable {
    case leaderAndIsr(partitions: [PartitionState], leaders: [BrokerInfo])
    case updateMetadata(partitions: [PartitionState], liveBrokers: [BrokerInfo])
    /// The answers to those with `delete` go to the manager's `onStopReplicaDeleteResponse`.
    case stopReplica(partitions: [TopicPartition], delete: Bool)

    var name: String {
        switch self {
        case .leaderAndIsr: "LeaderAndIsr"
        case .updateMetadata: "UpdateMetadata"
        case .stopReplica: "StopReplica"
        }
    }
}

/// The controller's queues to brokers (Kafka's `ControllerChannelManager` with one `RequestSendThread` per broker).
///
/// Each live broker has its own ordered queue drained by its own task, so a slow or unreachable broker delays only
/// its own requests, never another broker's and never the controller's event loop. A failed send is retried (after
/// `requestRetryBackoff`) for as long as the broker is in the set; `removeBroker` (the broker died or
/// re-registered) drops its queue and whatever is still in it. Thread-safe.
final class ControllerChannelManager: Sendable {
    private struct Queue {
        var broker: BrokerAndEpoch
        var requests: AsyncStream<ControllerRequest>.Continuation
        var sender: Task<Void, Never>
    }

    private let channel: any ControllerChannel
    private let controllerId: Int32
    private let controllerEpoch: Int32
    private let retryBackoff: Duration
    private let logger: Logger
    private let onStopReplicaDeleteResponse: @Sendable (_ broker: Int32, _ partitions: [TopicPartition], _ errors: [TopicPartition: ErrorCode]) -> Void
    private let onLeaderAndIsrStorageErrors: @Sendable (_ broker: BrokerAndEpoch, _ errors: [TopicPartition: ErrorCode]) -> Void
    private let queues = Mutex<[Int32: Queue]>([:])

    /// - Parameters:
    ///   - onStopReplicaDeleteResponse: gets each broker's per-partition answer to a StopReplica that deletes
    ///     partitions (topic deletion waits for them).
    ///   - onLeaderAndIsrStorageErrors: gets the answers to LeaderAndIsr that name a KAFKA_STORAGE_ERROR.
    init(
        channel: any ControllerChannel, controllerId: Int32, controllerEpoch: Int32, retryBackoff: Duration, logger: Logger,
        onStopReplicaDeleteResponse: @escaping @Sendable (_ broker: Int32, _ partitions: [TopicPartition], _ errors: [TopicPartition: ErrorCode]) -> Void = { _, _, _ in },
        onLeaderAndIsrStorageErrors: @escaping @Sendable (_ broker: BrokerAndEpoch, _ errors: [TopicPartition: ErrorCode]) -> Void = { _, _ in }
    ) {
        self.onLeaderAndIsrStorageErrors = onLeaderAndIsrStorageErrors
        self.onStopReplicaDeleteResponse = onStopReplicaDeleteResponse
        self.channel = channel
        self.controllerId = controllerId
        self.controllerEpoch = controllerEpoch
        self.retryBackoff = retryBackoff
        self.logger = logger
    }

    /// Starts a queue for the broker (nothing happens if it has one).
    func addBroker(_ broker: BrokerAndEpoch) {
        queues.withLock { queues in
            guard queues[broker.broker.id] == nil else { return }
            let (stream, continuation) = AsyncStream.makeStream(of: ControllerRequest.self)
            let sender = Task { [self] in await drain(stream, to: broker) }
            queues[broker.broker.id] = Queue(broker: broker, requests: continuation, sender: sender)
        }
    }

    /// Drops the broker's queue with every request still in it.
    func removeBroker(_ id: Int32) {
        guard let queue = queues.withLock({ $0.removeValue(forKey: id) }) else { return }
        queue.requests.finish()
        queue.sender.cancel()
    }

    /// Queues a request; a broker without a queue (dead) gets nothing, as in Kafka.
    func send(_ request: ControllerRequest, to id: Int32) {
        guard let queue = queues.withLock({ $0[id] }) else {
            logger.debug("Dropping \(request.name) for broker \(id), which is not alive")
            return
        }
        queue.requests.yield(request)
    }

    /// Drops every queue (the controller resigned).
    func shutdown() {
        for id in queues.withLock({ Array($0.keys) }) { removeBroker(id) }
    }

    private func drain(_ requests: AsyncStream<ControllerRequest>, to broker: BrokerAndEpoch) async {
        for await request in requests {
            var failures = 0
            while !Task.isCancelled {
                do {
                    try await perform(request, to: broker)
                    break
                } catch {
                    if Task.isCancelled { return }
                    failures += 1
                    // Once per request: a broker that stays unreachable must not flood the log.
                    if failures == 1 {
                        logger.warning(
                            "Controller \(controllerId) epoch \(controllerEpoch) failed to send \(request.name) to broker \(broker.broker.id) (\(error)); retrying every \(retryBackoff) while it is alive")
                    }
                    try? await Task.sleep(for: retryBackoff)
                }
            }
        }
    }

    private func perform(_ request: ControllerRequest, to target: BrokerAndEpoch) async throws {
        let broker = target.broker
        switch request {
        case .leaderAndIsr(let partitions, let leaders):
            let errors = try await channel.leaderAndIsr(
                to: broker, controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: target.epoch,
                partitions: partitions, leaders: leaders)
            if errors.values.contains(.kafkaStorageError) { onLeaderAndIsrStorageErrors(target, errors) }
        case .updateMetadata(let partitions, let liveBrokers):
            try await channel.updateMetadata(
                to: broker, controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: target.epoch,
                partitions: partitions, liveBrokers: liveBrokers)
        case .stopReplica(let partitions, let delete):
            let errors = try await channel.stopReplica(
                to: broker, controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: target.epoch,
                partitions: partitions, deletePartitions: delete)
            if delete { onStopReplicaDeleteResponse(broker.id, partitions, errors) }
        }
    }
}
