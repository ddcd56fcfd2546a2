import KafkaProtocol
import Logging
import ZooKeeper

/// One term of the controller: the driver of `ControllerStateMachine`. It owns the I/O the machine asks for (the
/// ZooKeeper reads and fenced writes, the queues to brokers, the watches, the log) and nothing else: it takes one
/// event at a time from `queue`, hands it to the machine, performs the actions it returns, and feeds every
/// ZooKeeper answer back until the machine is idle. Watches and broker queues are separate tasks that only put
/// events into `queue`.
final class ActiveController {
    let zk: ControllerZkClient
    let logger: Logger
    let channels: ControllerChannelManager
    let queue: ControllerEventQueue
    /// The broker's way in to this term's queue, for requests that wait for an answer.
    let handle: ActiveControllerHandle
    private var machine: ControllerStateMachine
    /// Per-topic watches of `/brokers/topics/<t>` for added partitions.
    private var partitionWatches: [String: Task<Void, Never>] = [:]
    private var clusterWatches: [Task<Void, Never>] = []

    init(controllerId: Int32, epoch: ControllerEpoch, zk: KafkaZkClient, channel: any ControllerChannel,
         config: ControllerConfig, logger: Logger) {
        self.zk = ControllerZkClient(zk: zk, epoch: epoch)
        self.logger = logger
        self.machine = ControllerStateMachine(controllerId: controllerId, epoch: epoch, config: config)
        let queue = ControllerEventQueue()
        self.queue = queue
        self.handle = ActiveControllerHandle(queue: queue)
        self.channels = ControllerChannelManager(
            channel: channel, controllerId: controllerId, controllerEpoch: epoch.epoch,
            retryBackoff: config.requestRetryBackoff, logger: logger,
            onStopReplicaDeleteResponse: { broker, partitions, errors in
                queue.put(.topicDeletionStopReplicaResponse(broker: broker, partitions: partitions, errors: errors))
            },
            onLeaderAndIsrStorageErrors: { broker, errors in
                queue.put(.leaderAndIsrResponse(broker: broker.broker.id, brokerEpoch: broker.epoch, errors: errors))
            })
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
        clusterWatches.append(watch(zk.zk.zooKeeper.watchNode(ZkPaths.reassignPartitions), .zkPartitionReassignment))
        if machine.config.autoLeaderRebalanceEnable {
            clusterWatches.append(scheduleAutoLeaderRebalance(every: machine.config.leaderImbalanceCheckInterval))
        }
        for await event in queue.events {
            queue.taken(event)
            try Task.checkCancellation()
            if case .sessionEnded(let error) = event { throw error }
            var actions = machine.handle(event)
            while let request = try perform(actions) {
                let result: ControllerZkResult
                do {
                    result = try await zk.perform(request)
                } catch let error where Self.endsTerm(error) {
                    throw error
                } catch {
                    result = .failed("\(error)")
                }
                actions = machine.resume(result)
            }
        }
        try Task.checkCancellation()
    }

    /// Performs the fire-and-forget actions in order; returns the ZooKeeper request that ends the list, if any.
    private func perform(_ actions: [ControllerAction]) throws -> ControllerZkRequest? {
        for action in actions {
            switch action {
            case .zooKeeper(let request): return request
            case .send(let request, let broker): channels.send(request, to: broker)
            case .connect(let broker): channels.addBroker(broker)
            case .disconnect(let id): channels.removeBroker(id)
            case .watchTopic(let topic):
                if partitionWatches[topic] == nil {
                    partitionWatches[topic] = watch(zk.zk.zooKeeper.watchNode(ZkPaths.topic(topic)), .partitionModifications(topic: topic))
                }
            case .unwatchTopic(let topic): partitionWatches.removeValue(forKey: topic)?.cancel()
            case .log(let level, let message): logger.log(level: level, "\(message)")
            case .reply(let id, let reply): handle.complete(id, reply)
            case .endTerm(let reason): throw ControllerTermError(reason: reason)
            }
        }
        return nil
    }

    private func stop() {
        for watch in clusterWatches { watch.cancel() }
        for watch in partitionWatches.values { watch.cancel() }
        partitionWatches.removeAll()
        channels.shutdown()
        queue.finish()
        handle.close()
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

    /// Kafka's `scheduleAutoLeaderRebalanceTask`: the first check 5 s after becoming controller, then every interval.
    private func scheduleAutoLeaderRebalance(every interval: Duration) -> Task<Void, Never> {
        Task { [queue] in
            var delay: Duration = .seconds(5)
            while (try? await Task.sleep(for: delay)) != nil {
                queue.put(.autoPreferredReplicaLeaderElection)
                delay = interval
            }
        }
    }

    private func watchChildren(_ path: String, _ event: ControllerEvent) -> Task<Void, Never> {
        watch(zk.zk.zooKeeper.watchChildren(path), event)
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
}

/// The controller's state machine could not complete a failover; the term ends and the broker resigns.
struct ControllerTermError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "Controller failover did not complete: \(reason)" }
}
