import Logging
import ZooKeeper

/// Every broker's side of the controller election (Kafka's `KafkaController.elect` and `ControllerChangeHandler`).
///
/// Watches `/controller`; whenever it is absent, races to create it together with a conditional bump of
/// `/controller_epoch`. The winner runs a `KafkaController` until `/controller` stops naming this session (then it
/// resigns) or the session ends. Runs for one session; throws when that session ends.
public struct ControllerElection: Sendable {
    public let brokerId: Int32
    let zk: KafkaZkClient
    let channel: any ControllerChannel
    let config: ControllerConfig
    let logger: Logger
    let onControllerChange: @Sendable (Int32?) -> Void
    let onTerm: @Sendable (ActiveControllerHandle, Bool) -> Void

    /// - Parameters:
    ///   - channel: how the controller, when this broker is it, reaches brokers.
    ///   - onControllerChange: told the current controller's id (nil while there is none), for metadata.
    ///   - onTerm: told the handle of each term this broker runs as controller, as it starts and ends.
    public init(
        brokerId: Int32, zk: KafkaZkClient, channel: any ControllerChannel, config: ControllerConfig = ControllerConfig(),
        logger: Logger, onControllerChange: @escaping @Sendable (Int32?) -> Void = { _ in },
        onTerm: @escaping @Sendable (ActiveControllerHandle, Bool) -> Void = { _, _ in }
    ) {
        self.brokerId = brokerId
        self.zk = zk
        self.channel = channel
        self.config = config
        self.logger = logger
        self.onControllerChange = onControllerChange
        self.onTerm = onTerm
    }

    public func run() async throws {
        var active: Task<Void, any Error>?
        defer {
            if let active {
                logger.warning("Broker \(brokerId) resigned as controller")
                active.cancel()
            }
        }
        var knownController: Int32?? = .none
        while true {
            try Task.checkCancellation()
            let (current, watch): (ControllerZNode?, AsyncStream<WatchedEvent>)
            do {
                (current, watch) = try await readControllerAndWatch()
            } catch let error as ZooKeeperError where error.isRetryable {
                try await zk.zooKeeper.waitUntilConnected()
                continue
            }
            let controllerId = current?.brokerId
            if knownController != .some(controllerId) {
                knownController = .some(controllerId)
                onControllerChange(controllerId)
                if let controllerId, controllerId != brokerId { logger.info("Broker \(controllerId) is the controller") }
            }
            if controllerId != brokerId, let task = active {
                logger.warning("Broker \(brokerId) is no longer the controller: resigning")
                task.cancel()
                active = nil
            }
            if current == nil {
                if let epoch = try await zk.tryRegisterController(brokerId: brokerId) {
                    logger.info("Broker \(brokerId) won the controller election with epoch \(epoch.epoch)")
                    active = startController(epoch: epoch)
                } else {
                    logger.debug("Broker \(brokerId) lost the controller election race")
                }
                continue  // re-read /controller and set a watch on the new state
            }
            try await zk.zooKeeper.waitForEvent(on: watch)
        }
    }

    private func readControllerAndWatch() async throws -> (ControllerZNode?, AsyncStream<WatchedEvent>) {
        let (stat, watch) = try await zk.zooKeeper.existsAndWatch(ZkPaths.controller)
        guard stat != nil, let (node, _) = try await zk.controller() else { return (nil, watch) }
        return (node, watch)
    }

    private func startController(epoch: ControllerEpoch) -> Task<Void, any Error> {
        let controller = KafkaController(
            brokerId: brokerId, epoch: epoch, zk: zk, channel: channel, config: config, logger: logger)
        let (logger, zk, onTerm) = (self.logger, self.zk, self.onTerm)
        return Task {
            do {
                try await controller.run(onTerm: onTerm)
            } catch is CancellationError {
            } catch {
                logger.warning("Controller stopped: \(error)")
                // Paced, so that an error that recurs at every failover does not spin the election.
                try? await Task.sleep(for: .seconds(1))
                // Kafka's `triggerControllerMove`: give up /controller (only if the epoch is still ours) so that a
                // controller that could not go on does not keep the cluster without one. Retried until ZooKeeper
                // answers: `/controller` must never stay with a broker that runs no controller. The session's end
                // ends the retries (its ephemeral `/controller` goes with it).
                await Self.resign(zk: zk, epoch: epoch, brokerId: controller.brokerId, logger: logger)
                throw error
            }
        }
    }

    /// Gives up `/controller` of `epoch`, retrying (paced) while ZooKeeper does not answer and the session lives.
    static func resign(zk: KafkaZkClient, epoch: ControllerEpoch, brokerId: Int32, logger: Logger) async {
        var failures = 0
        while !Task.isCancelled, !zk.zooKeeper.state.isTerminal {
            do {
                if try await zk.resignController(epoch: epoch) {
                    logger.warning("Broker \(brokerId) gave up /controller after its controller stopped")
                }
                return
            } catch {
                failures += 1
                if failures == 1 { logger.warning("Giving up /controller failed (\(error)); retrying until ZooKeeper answers") }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
