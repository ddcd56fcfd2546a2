import Coordination
import Foundation
import GregorTestSupport
import KafkaClient
import KafkaProtocol
import Testing
import ZooKeeper

/// LeaderAndIsr, UpdateMetadata and StopReplica sent by a client that is not the controller, to a real broker
/// process: each is refused with Kafka's error code, nothing is created or deleted, and the real controller keeps
/// working (a topic created afterwards comes online on that broker).
@Suite("Controller requests from anyone but the controller", .serialized)
struct ControlPlaneGuardTests {
    @Test func forgedControllerRequestsAreRefusedAndChangeNothing() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            brokers.append(try await cluster.startBroker(0))
            let zk = cluster.inspector
            let info = try #require(try await zk.broker(0))
            let port = try #require(info.endPoints.first).port
            let brokerEpoch = try #require(try await zk.zooKeeper.exists(ZkPaths.broker(0))).czxid
            try await eventually(timeout: .seconds(20), "a controller") { try await zk.controller() != nil }
            let controllerEpoch = try #require(try await zk.controllerEpoch()).epoch
            let connection = try await KafkaConnection.connect(host: "127.0.0.1", port: port)

            // One UpdateMetadata with the highest controller epoch would fence the real controller until restart.
            let fencing = try await connection.send(
                UpdateMetadataRequest(controllerId: 0, controllerEpoch: Int32.max, brokerEpoch: brokerEpoch), version: 6)
            #expect(fencing.errorCode == ErrorCode.clusterAuthorizationFailed.rawValue)

            // A request for an earlier (or made-up) registration of this broker.
            let stale = try await connection.send(
                LeaderAndIsrRequest(controllerId: 0, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch - 1), version: 4)
            #expect(stale.errorCode == ErrorCode.staleBrokerEpoch.rawValue)
            let legacy = try await connection.send(
                StopReplicaRequest(controllerId: 0, controllerEpoch: controllerEpoch, deletePartitions: true,
                                   ungroupedPartitions: [.init(topicName: "x", partitionIndex: 0)]), version: 0)
            #expect(legacy.errorCode == ErrorCode.staleBrokerEpoch.rawValue, "versions without a broker epoch are refused")

            // Even with every number right, a topic name outside Kafka's rules never becomes a path.
            let escape = "../../../../" + cluster.directory.lastPathComponent + "-escaped"
            let forged = try await connection.send(
                LeaderAndIsrRequest(
                    controllerId: 0, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
                    topicStates: [.init(topicName: escape, partitionStates: [
                        .init(topicName: escape, partitionIndex: 0, controllerEpoch: controllerEpoch, leader: 0,
                              leaderEpoch: 99, isr: [0], zkVersion: 0, replicas: [0], isNew: true),
                    ])]),
                version: 4)
            #expect(forged.errorCode == 0)
            #expect(forged.partitionErrors.map(\.errorCode) == [ErrorCode.invalidTopicException.rawValue])
            let escaped = cluster.directory.deletingLastPathComponent().appendingPathComponent(
                cluster.directory.lastPathComponent + "-escaped-0")
            #expect(!FileManager.default.fileExists(atPath: escaped.path))

            // The real controller is not fenced: a new topic comes online on the broker.
            let admin = AdminZkClient(zk: zk, placement: { _ in ReplicaPlacement(fixedStartIndex: 0) })
            _ = try await admin.createTopic(name: "after", partitions: 1, replicationFactor: 1)
            try await eventually(timeout: .seconds(20), "after-0 led by broker 0") {
                let metadata = try await connection.send(MetadataRequest(topics: [.init(name: "after")]), version: 9)
                return metadata.topics.first?.partitions.first?.leaderId == 0
            }
            await connection.close()
            #expect(brokers[0].isRunning)
        } catch {
            await cluster.stop(brokers)
            throw error
        }
        await cluster.stop(brokers)
    }
}
