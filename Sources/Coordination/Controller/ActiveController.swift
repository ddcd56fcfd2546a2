import KafkaProtocol
import Logging
import ZooKeeper

/// One term of the controller: everything `KafkaController.run` builds when it becomes active, and throws away when
/// it resigns. Owned by the single task that runs the event loop, so it needs no locks; watches and broker queues
/// are separate tasks that only put events into `queue`.
final class ActiveController {
    let controllerId: Int32
    let zk: ControllerZkClient
    let config: ControllerConfig
    let logger: Logger
    let channels: ControllerChannelManager
    let queue = ControllerEventQueue()
    var context: ControllerContext
    var batch = ControllerBrokerRequestBatch()
    /// Per-topic watches of `/brokers/topics/<t>` for added partitions.
    var partitionWatches: [String: Task<Void, Never>] = [:]
    private var clusterWatches: [Task<Void, Never>] = []

    /// Bound on rounds of re-reading a state znode that a leader changed meanwhile (Kafka retries without bound).
    static let conflictRetriesMax = 100

    init(controllerId: Int32, epoch: ControllerEpoch, zk: KafkaZkClient, channel: any ControllerChannel,
         config: ControllerConfig, logger: Logger) {
        self.controllerId = controllerId
        self.zk = ControllerZkClient(zk: zk, epoch: epoch)
        self.config = config
        self.logger = logger
        self.context = ControllerContext(epoch: epoch)
        self.channels = ControllerChannelManager(
            channel: channel, controllerId: controllerId, controllerEpoch: epoch.epoch,
            retryBackoff: config.requestRetryBackoff, logger: logger)
    }

    /// Processes events until cancelled (throws `CancellationError`), until the session ends, or until another
    /// controller is found to have been elected (`ControllerMovedError`).
    func run() async throws {
        defer { stop() }
        queue.put(.startup)  // first, so every watch's initial trigger comes after the failover
        clusterWatches = [
            watchChildren(ZkPaths.brokerIds, .brokerChange),
            watchChildren(ZkPaths.brokerTopics, .topicChange),
            watchChildren(ZkPaths.deleteTopics, .topicDeletion),
            watchChildren(ZkPaths.isrChangeNotification, .isrChangeNotification),
        ]
        for await event in queue.events {
            queue.taken(event)
            try Task.checkCancellation()
            try await process(event)
        }
        try Task.checkCancellation()
    }

    private func stop() {
        for watch in clusterWatches { watch.cancel() }
        for watch in partitionWatches.values { watch.cancel() }
        partitionWatches.removeAll()
        channels.shutdown()
        queue.finish()
    }

    private func process(_ event: ControllerEvent) async throws {
        do {
            switch event {
            case .startup: try await onControllerFailover()
            case .brokerChange: try await processBrokerChange()
            case .topicChange: try await processTopicChange()
            case .partitionModifications(let topic): try await processPartitionModifications(topic)
            case .topicDeletion: try await processTopicDeletion()
            case .isrChangeNotification: try await processIsrChangeNotification()
            case .topicDeletionStopReplicaResponse(let broker, let partitions, let errors):
                try await processTopicDeletionStopReplicaResponse(broker: broker, partitions: partitions, errors: errors)
            case .sessionEnded(let error): throw error
            }
        } catch let error where Self.endsTerm(error) {
            throw error
        } catch {
            if case .startup = event { throw error }  // a half-initialised controller must not go on (Kafka resigns)
            logger.error("Error processing controller event \(event): \(error)")
        }
    }

    /// Errors after which this term cannot go on: resignation, another controller, the session's end.
    static func endsTerm(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError, is ControllerMovedError: true
        case let error as ZooKeeperError: error == .sessionExpired || error == .closed || error == .authFailed
        default: false
        }
    }

    // MARK: watches

    private func watchChildren(_ path: String, _ event: ControllerEvent) -> Task<Void, Never> {
        let stream = zk.zk.zooKeeper.watchChildren(path)
        return watch(stream, event)
    }

    func watchPartitionModifications(_ topic: String) {
        guard partitionWatches[topic] == nil else { return }
        partitionWatches[topic] = watch(zk.zk.zooKeeper.watchNode(ZkPaths.topic(topic)), .partitionModifications(topic: topic))
    }

    func unwatchPartitionModifications(_ topic: String) {
        partitionWatches.removeValue(forKey: topic)?.cancel()
    }

    private func watch<Element: Sendable>(_ stream: AsyncThrowingStream<Element, any Error>, _ event: ControllerEvent) -> Task<Void, Never> {
        Task { [queue] in
            do {
                for try await _ in stream { queue.put(event) }
            } catch {
                if !Task.isCancelled { queue.put(.sessionEnded(error)) }
            }
        }
    }

    // MARK: requests

    /// Sends everything gathered in `batch` (Kafka's `sendRequestsToBrokers`).
    func sendRequestsToBrokers() {
        let queue = self.queue
        let context = self.context
        batch.send(context: context, channels: channels) { broker, partitions, errors in
            queue.put(.topicDeletionStopReplicaResponse(broker: broker, partitions: partitions, errors: errors))
        }
    }

    /// UpdateMetadata for `partitions` to `brokers` (an empty list still tells them the live brokers).
    func sendUpdateMetadataRequest(brokers: some Sequence<Int32>, partitions: some Sequence<TopicPartition>) {
        batch.addUpdateMetadata(brokers: brokers, partitions: partitions, context: context)
        sendRequestsToBrokers()
    }

    var epoch: Int32 { context.epoch.epoch }

    static func list(_ ids: some Sequence<Int32>) -> String { ids.map(String.init).joined(separator: ",") }
    static func list(_ items: some Sequence<some CustomStringConvertible>) -> String {
        items.map(\.description).joined(separator: ",")
    }
}
