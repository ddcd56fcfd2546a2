import Coordination
import Foundation
import GregorTestSupport
import Testing
import ZooKeeper

/// Topics through ZooKeeper with real `gregor-server` processes: the controller inside a real broker creates the
/// state znodes, re-elects when a broker dies (here the controller itself, so a new controller's failover does it),
/// and deletes topics.
@Suite("Topic lifecycle with real broker processes", .serialized)
struct TopicLifecycleTests {
    private static func state(_ controllerEpoch: Int32, leader: Int32, leaderEpoch: Int32, isr: [Int32]) -> String {
        let isrText = isr.map(String.init).joined(separator: ",")
        return #"{"controller_epoch":\#(controllerEpoch),"leader":\#(leader),"version":1,"leader_epoch":\#(leaderEpoch),"isr":[\#(isrText)]}"#
    }

    @Test func topicsComeOnlineFailOverToTheISRAndAreDeleted() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            for id: Int32 in 0...2 { brokers.append(try await cluster.startBroker(id)) }
            let zk = cluster.inspector
            let admin = AdminZkClient(zk: zk, placement: { _ in ReplicaPlacement(fixedStartIndex: 0) })
            let assignment = try await admin.createTopic(name: "orders", partitions: 3, replicationFactor: 3)
            #expect(assignment == [0: [0, 1, 2], 1: [1, 2, 0], 2: [2, 0, 1]])
            let firstEpoch = try #require(try await zk.controllerEpoch()).epoch
            for (partition, replicas) in assignment {
                try await eventually(timeout: .seconds(20), "orders-\(partition) online") {
                    try await admin.partitionStates(topic: "orders")[partition]?.leaderAndIsr
                        == LeaderAndIsr(leader: replicas[0], isr: replicas)
                }
                let path = ZkPaths.partitionState(topic: "orders", partition: partition)
                #expect(String(decoding: try await zk.zooKeeper.getData(path).data, as: UTF8.self)
                    == Self.state(firstEpoch, leader: replicas[0], leaderEpoch: 0, isr: replicas))
            }

            // The controller dies; once its session expires a new controller's failover takes it out of every ISR
            // (no leader where it led, epoch 1) and elects the next in-sync replica there (epoch 2).
            let dead = try #require(try await zk.controller()).node.brokerId
            brokers[Int(dead)].kill()
            let deadline = Duration.milliseconds(TestCluster.sessionTimeoutMs + 15000)
            try await eventually(timeout: deadline, "a new controller") {
                guard let now = try await zk.controller() else { return false }
                return now.node.brokerId != dead
            }
            let secondEpoch = try #require(try await zk.controllerEpoch()).epoch
            #expect(secondEpoch > firstEpoch)
            for (partition, replicas) in assignment {
                let isr = replicas.filter { $0 != dead }
                // One write each: an election for the dead controller's partitions (the new controller elects
                // before it takes dead replicas out of ISRs), an ISR removal for the others.
                let expected = Self.state(secondEpoch, leader: replicas[0] == dead ? isr[0] : replicas[0], leaderEpoch: 1, isr: isr)
                try await eventually(timeout: .seconds(20), "orders-\(partition) without broker \(dead)") {
                    let path = ZkPaths.partitionState(topic: "orders", partition: partition)
                    return String(decoding: try await zk.zooKeeper.getData(path).data, as: UTF8.self) == expected
                }
            }

            // Deletion waits for the dead broker's replicas; it completes once the broker is back.
            try await admin.deleteTopic("orders")
            brokers[Int(dead)] = try await cluster.startBroker(dead)
            try await eventually(timeout: .seconds(30), "orders deleted") {
                let topicGone = try await !zk.topicExists("orders")
                let configGone = try await zk.zooKeeper.exists(ZkPaths.topicConfig("orders")) == nil
                let markerGone = try await zk.topicDeletions().isEmpty
                return topicGone && configGone && markerGone
            }
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }
}
