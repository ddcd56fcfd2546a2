import Logging
import ZooKeeper

/// The cluster's one decision maker, active on the broker that won the controller election (Kafka's
/// `KafkaController`), for as long as it keeps `/controller`.
///
/// Today it tracks broker membership. Partition and replica state machines, leader election, topic creation and
/// deletion, and the `LeaderAndIsr`/`UpdateMetadata` channel to brokers belong here, driven by the same
/// `onBrokerStartup`/`onBrokerFailure` events. Every write it makes will be a multi-op that first checks
/// `epoch.zkVersion` of `/controller_epoch`, so a controller that lost its session can never write.
public struct KafkaController: Sendable {
    public let brokerId: Int32
    public let epoch: ControllerEpoch
    let zk: KafkaZkClient
    let logger: Logger

    public init(brokerId: Int32, epoch: ControllerEpoch, zk: KafkaZkClient, logger: Logger) {
        self.brokerId = brokerId
        self.epoch = epoch
        self.zk = zk
        var logger = logger
        logger[metadataKey: "controller"] = "\(brokerId)"
        self.logger = logger
    }

    /// Runs until cancelled (resignation) or until the session ends (throws).
    public func run() async throws {
        logger.info("Controller \(brokerId) active with epoch \(epoch.epoch) (epoch zkVersion \(epoch.zkVersion))")
        var live: Set<Int32>? = nil
        for try await children in zk.zooKeeper.watchChildren(ZkPaths.brokerIds) {
            let now = Set(children.compactMap { Int32($0) })
            guard let previous = live else {
                live = now
                onControllerFailover(liveBrokers: now)
                continue
            }
            live = now
            let added = now.subtracting(previous).sorted()
            let removed = previous.subtracting(now).sorted()
            guard !added.isEmpty || !removed.isEmpty else { continue }
            logger.info(
                "Newly added brokers: \(Self.list(added)), deleted brokers: \(Self.list(removed)), all live brokers: \(Self.list(now.sorted()))")
            if !added.isEmpty { onBrokerStartup(added) }
            if !removed.isEmpty { onBrokerFailure(removed) }
        }
    }

    private func onControllerFailover(liveBrokers: Set<Int32>) {
        logger.info("Initialized controller with live brokers: \(Self.list(liveBrokers.sorted()))")
    }

    private func onBrokerStartup(_ brokers: [Int32]) {
        for id in brokers { logger.info("Broker \(id) joined the cluster") }
    }

    private func onBrokerFailure(_ brokers: [Int32]) {
        for id in brokers { logger.warning("Broker \(id) left the cluster") }
    }

    static func list(_ ids: [Int32]) -> String { ids.map(String.init).joined(separator: ",") }
}
