import Coordination
import Foundation
import GregorTestSupport
import Logging
import Testing
import ZooKeeper

/// `KafkaZkClient` against a real ZooKeeper server; each test under its own chroot, so each sees a fresh tree.
@Suite("Kafka's ZooKeeper operations against a real server")
struct KafkaZkClientTests {
    private static let server = Task { try await ZooKeeperServer.start() }

    private func session() async throws -> (KafkaZkClient, ClusterMembership.Configuration) {
        let server = try await Self.server.value
        let chroot = "/kafka-\(UUID().uuidString.prefix(8))"
        let config = ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + chroot),
            sessionTimeout: .seconds(6), connectionTimeout: .seconds(10))
        return (try await ClusterMembership.connect(config, logger: Logger(label: "test")), config)
    }

    private func another(_ config: ClusterMembership.Configuration) async throws -> KafkaZkClient {
        try await ClusterMembership.connect(config, logger: Logger(label: "test"))
    }

    @Test func startupCreatesKafkasTreeAndOneClusterId() async throws {
        let (zk, config) = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.ensurePersistentPaths()
        try await zk.ensurePersistentPaths()  // idempotent
        for path in ZkPaths.persistentPaths {
            #expect(try await zk.zooKeeper.exists(path) != nil, "\(path) missing")
        }
        let id = try await zk.getOrCreateClusterId()
        let other = try await another(config)
        defer { Task { await other.zooKeeper.close() } }
        #expect(try await other.getOrCreateClusterId() == id)
    }

    @Test func duplicateBrokerIdIsRefusedButOwnRetryIsAccepted() async throws {
        let (zk, config) = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.ensurePersistentPaths()
        let info = BrokerInfo(
            id: 0, endPoints: [EndPoint(listenerName: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: .plaintext)],
            rack: nil)
        try await zk.registerBroker(info)
        try await zk.registerBroker(info)  // same session: a retry after connection loss
        let rival = try await another(config)
        defer { Task { await rival.zooKeeper.close() } }
        await #expect(throws: BrokerRegistrationError.self) { try await rival.registerBroker(info) }
        #expect(try await rival.liveBrokerIds() == [0])
        #expect(try await rival.broker(0) == info)
        #expect(try await zk.zooKeeper.exists(ZkPaths.broker(0))?.ephemeralOwner == zk.sessionID)
    }

    @Test func exactlyOneOfManyRacingBrokersBecomesController() async throws {
        let (first, config) = try await session()
        var sessions = [first]
        for _ in 0..<4 { sessions.append(try await another(config)) }
        defer { for s in sessions { Task { await s.zooKeeper.close() } } }
        try await first.ensurePersistentPaths()

        let results = try await withThrowingTaskGroup(of: (Int32, ControllerEpoch?).self) { group in
            for (i, zk) in sessions.enumerated() {
                group.addTask { (Int32(i), try await zk.tryRegisterController(brokerId: Int32(i))) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let winners = results.filter { $0.1 != nil }
        #expect(winners.count == 1)
        let (winner, epoch) = try #require(winners.first)
        #expect(epoch?.epoch == 1)
        #expect(try await first.controller()?.node.brokerId == winner)
        #expect(try await first.controllerEpoch() == epoch)

        // The winner's session ends: its /controller vanishes, and the next winner bumps the epoch again.
        await sessions[Int(winner)].zooKeeper.close()
        let next = sessions[Int(winner == 0 ? 1 : 0)]
        let second = try await next.tryRegisterController(brokerId: 99)
        #expect(second?.epoch == 2)
        #expect(try await next.controller()?.node.brokerId == 99)
    }

    /// Resigning deletes `/controller` only for the epoch that won it; a stale epoch is told there was nothing to give
    /// up, and a session that has ended throws (the caller retries while its session lives).
    @Test func resigningIsConditionalOnTheControllerEpoch() async throws {
        let (zk, _) = try await session()
        try await zk.ensurePersistentPaths()
        let epoch = try #require(try await zk.tryRegisterController(brokerId: 3))
        #expect(try await zk.resignController(epoch: ControllerEpoch(epoch: epoch.epoch - 1, zkVersion: epoch.zkVersion - 1)) == false)
        #expect(try await zk.controller() != nil)
        #expect(try await zk.resignController(epoch: epoch) == true)
        #expect(try await zk.controller() == nil)
        #expect(try await zk.resignController(epoch: epoch) == false)
        await zk.zooKeeper.close()
        await #expect(throws: (any Error).self) { _ = try await zk.resignController(epoch: epoch) }
    }

    @Test func brokerIdGenerationStartsAboveTheReservedRange() async throws {
        let (zk, _) = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.ensurePersistentPaths()
        let a = try await zk.generateBrokerId(reservedBrokerMaxId: 1000)
        let b = try await zk.generateBrokerId(reservedBrokerMaxId: 1000)
        #expect(a == 1001)
        #expect(b == 1002)
    }

    @Test func aLeadersIsrChangeIsConditionalOnTheZkVersionAndNotifiesTheController() async throws {
        let (zk, _) = try await session()
        defer { Task { await zk.zooKeeper.close() } }
        try await zk.ensurePersistentPaths()
        let path = ZkPaths.partitionState(topic: "t", partition: 0)
        let elected = LeaderIsrAndControllerEpoch(LeaderAndIsr(leader: 1, isr: [1, 2, 3]), controllerEpoch: 3)
        try await zk.zooKeeper.createRecursively(path, data: elected.encoded())

        let shrunk = LeaderIsrAndControllerEpoch(LeaderAndIsr(leader: 1, isr: [1, 2], zkVersion: 0), controllerEpoch: 3)
        #expect(try await zk.updateLeaderAndIsr(topic: "t", partition: 0, shrunk) == 1)
        #expect(String(decoding: try await zk.zooKeeper.getData(path).data, as: UTF8.self)
            == #"{"controller_epoch":3,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#)
        // The same write again (as after a connection loss that hid the answer) finds itself there: done.
        #expect(try await zk.updateLeaderAndIsr(topic: "t", partition: 0, shrunk) == 1)
        // A write from an outdated version with other data is a conflict and changes nothing.
        var stale = shrunk
        stale.leaderAndIsr.isr = [1]
        #expect(try await zk.updateLeaderAndIsr(topic: "t", partition: 0, stale) == nil)
        #expect(try await zk.partitionState(topic: "t", partition: 0)?.leaderAndIsr.isr == [1, 2])
        #expect(try await zk.updateLeaderAndIsr(topic: "t", partition: 9, shrunk) == nil)

        try await zk.propagateIsrChanges([("t", 0)])
        let names = try await zk.zooKeeper.getChildren(ZkPaths.isrChangeNotification)
        #expect(names == ["isr_change_0000000000"])
        let data = try await zk.zooKeeper.getData(ZkPaths.isrChangeNotification + "/" + names[0]).data
        #expect(String(decoding: data, as: UTF8.self) == #"{"version":1,"partitions":[{"topic":"t","partition":0}]}"#)
    }
}
