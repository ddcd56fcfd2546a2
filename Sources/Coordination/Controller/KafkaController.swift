import Logging
import ZooKeeper

/// The cluster's one decision maker, active on the broker that won the controller election (Kafka's
/// `KafkaController`), for as long as it keeps `/controller`.
///
/// On becoming active it reads every broker, topic, assignment and partition state from ZooKeeper, watches
/// `/brokers/ids`, `/brokers/topics` (and each topic for added partitions), `/admin/delete_topics` and
/// `/isr_change_notification`, and processes what they report as events, one at a time and in order: broker
/// deaths and returns (leader election, ISR shrinking), new topics and partitions (state znodes), topic deletion.
/// It tells brokers through `channel`. Every write it makes is a multi-op that first checks the zkVersion of
/// `/controller_epoch` it was elected with, so a controller that was replaced can never write.
public struct KafkaController: Sendable {
    public let brokerId: Int32
    public let epoch: ControllerEpoch
    public let config: ControllerConfig
    let zk: KafkaZkClient
    let channel: any ControllerChannel
    let logger: Logger

    public init(
        brokerId: Int32, epoch: ControllerEpoch, zk: KafkaZkClient, channel: any ControllerChannel,
        config: ControllerConfig = ControllerConfig(), logger: Logger
    ) {
        self.brokerId = brokerId
        self.epoch = epoch
        self.zk = zk
        self.channel = channel
        self.config = config
        var logger = logger
        logger[metadataKey: "controller"] = "\(brokerId)"
        self.logger = logger
    }

    /// Runs until cancelled (resignation; throws `CancellationError`), until the session ends (throws its
    /// `ZooKeeperError`), or until a write finds that another controller was elected (`ControllerMovedError`).
    /// Everything it started (watches, queues to brokers) is stopped when it returns.
    ///
    /// - Parameter onTerm: told this term's handle when it starts (`true`) and again when it ends (`false`).
    public func run(onTerm: @Sendable (ActiveControllerHandle, _ active: Bool) -> Void = { _, _ in }) async throws {
        let active = ActiveController(
            controllerId: brokerId, epoch: epoch, zk: zk, channel: channel, config: config, logger: logger)
        onTerm(active.handle, true)
        defer { onTerm(active.handle, false) }
        try await active.run()
    }
}
