import Coordination
import GregorTestSupport
import Logging
import Synchronization
import Testing
import ZooKeeper

/// A controller running against a real ZooKeeper with a recording channel, and brokers that are just
/// registrations, each in its own session: closing a broker's session is that broker dying.
final class ControllerHarness: Sendable {
    static let controllerId: Int32 = 100
    static let timeout: Duration = .seconds(60)

    let config: ClusterMembership.Configuration
    let channel: RecordingChannel
    let admin: AdminZkClient
    let controllerSession: KafkaZkClient
    let epoch: ControllerEpoch
    let controller: Task<Void, any Error>
    private let brokers: Mutex<[Int32: KafkaZkClient]>

    private init(
        config: ClusterMembership.Configuration, admin: AdminZkClient, controllerSession: KafkaZkClient,
        epoch: ControllerEpoch, controller: Task<Void, any Error>, brokers: [Int32: KafkaZkClient], channel: RecordingChannel
    ) {
        self.config = config
        self.channel = channel
        self.admin = admin
        self.controllerSession = controllerSession
        self.epoch = epoch
        self.controller = controller
        self.brokers = Mutex(brokers)
    }

    /// Registers `brokers`, runs `before` (e.g. creating topics while there is no controller), then starts the
    /// controller with a recording channel.
    static func start(
        brokers ids: [Int32], controllerConfig: ControllerConfig = ControllerConfig(),
        placement: ReplicaPlacement = ReplicaPlacement(fixedStartIndex: 0),
        before: (AdminZkClient) async throws -> Void = { _ in }
    ) async throws -> ControllerHarness {
        let config = try await TestZooKeeper.freshChroot()
        var brokers: [Int32: KafkaZkClient] = [:]
        for id in ids { brokers[id] = try await TestZooKeeper.registerBroker(id, config) }
        let admin = AdminZkClient(zk: try await TestZooKeeper.session(config), placement: { _ in placement })
        try await before(admin)
        let session = try await TestZooKeeper.session(config)
        let epoch = try #require(try await session.tryRegisterController(brokerId: controllerId))
        let channel = RecordingChannel()
        let controller = KafkaController(
            brokerId: controllerId, epoch: epoch, zk: session, channel: channel, config: controllerConfig,
            logger: Logger(label: "test.controller"))
        let task = Task { try await controller.run() }
        return ControllerHarness(
            config: config, admin: admin, controllerSession: session, epoch: epoch, controller: task, brokers: brokers,
            channel: channel)
    }

    var zk: KafkaZkClient { admin.zk }

    /// The broker dies: its session closes and its registration vanishes at once.
    func kill(_ id: Int32) async {
        await brokers.withLock { $0.removeValue(forKey: id) }?.close()
    }

    /// The broker registers again (a new session, so a new broker epoch).
    func revive(_ id: Int32) async throws {
        let session = try await TestZooKeeper.registerBroker(id, config)
        brokers.withLock { $0[id] = session }
    }

    func brokerEpoch(_ id: Int32) async throws -> Int64? {
        try await zk.zooKeeper.exists(ZkPaths.broker(id))?.czxid
    }

    func state(_ topic: String, _ partition: Int32) async throws -> String? {
        try await zk.text(ZkPaths.partitionState(topic: topic, partition: partition))
    }

    /// Waits until the partition's state znode reads exactly `json`.
    func waitForState(_ topic: String, _ partition: Int32, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually(timeout: Self.timeout, "\(topic)-\(partition) state \(json)") {
            try await state(topic, partition) == json
        }
    }

    func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        try await eventually(timeout: Self.timeout, what, condition)
    }

    func stop() async {
        controller.cancel()
        _ = await controller.result
        await controllerSession.close()
        await admin.zk.close()
        for session in brokers.withLock({ Array($0.values) }) { await session.close() }
    }
}
