import Coordination
import Testing

@Suite("Topic, partition state and config znodes in Kafka's JSON")
struct TopicZNodeTests {
    @Test func topicAssignmentIsKafkasVersion2() throws {
        let node = TopicZNode(topic: "t", partitions: [1: PartitionReplicas([1, 2, 0]), 0: PartitionReplicas([0, 1, 2])])
        #expect(text(node.encoded()) == #"{"version":2,"partitions":{"0":[0,1,2],"1":[1,2,0]},"adding_replicas":{},"removing_replicas":{}}"#)
        #expect(try TopicZNode.decode(topic: "t", from: node.encoded()) == node)
    }

    @Test func readsWhatKafkaWritesAndKeepsATopicId() throws {
        let kafka28 = #"{"version":3,"partitions":{"1":[1,0],"0":[0,1]},"adding_replicas":{"0":[2]},"removing_replicas":{"0":[1]},"topic_id":"cpLNvC0FSIaK1ixXSrxz9Q"}"#
        let node = try TopicZNode.decode(topic: "t", from: Array(kafka28.utf8))
        #expect(node.topicId == "cpLNvC0FSIaK1ixXSrxz9Q")
        #expect(node.partitions[0] == PartitionReplicas([0, 1], adding: [2], removing: [1]))
        #expect(node.replicaAssignment == [0: [0, 1], 1: [1, 0]])
        #expect(text(node.encoded()) == #"{"version":3,"partitions":{"0":[0,1],"1":[1,0]},"adding_replicas":{"0":[2]},"removing_replicas":{"0":[1]},"topic_id":"cpLNvC0FSIaK1ixXSrxz9Q"}"#)
        let kafka10 = #"{"version":1,"partitions":{"0":[5]}}"#
        #expect(try TopicZNode.decode(topic: "t", from: Array(kafka10.utf8)).replicaAssignment == [0: [5]])
        #expect(throws: ZkDataError.self) { try TopicZNode.decode(topic: "t", from: Array(#"{"version":2,"partitions":{"x":[0]}}"#.utf8)) }
    }

    @Test func partitionStateIsKafkasJSONInKafkasKeyOrder() throws {
        let state = LeaderIsrAndControllerEpoch(LeaderAndIsr(leader: 1, leaderEpoch: 5, isr: [1, 2, 0]), controllerEpoch: 3)
        #expect(text(state.encoded()) == #"{"controller_epoch":3,"leader":1,"version":1,"leader_epoch":5,"isr":[1,2,0]}"#)
        let read = try LeaderIsrAndControllerEpoch.decode(state.encoded(), zkVersion: 7, path: "/p")
        #expect(read.leaderAndIsr == LeaderAndIsr(leader: 1, leaderEpoch: 5, isr: [1, 2, 0], zkVersion: 7))
        #expect(read.controllerEpoch == 3)
        let next = read.leaderAndIsr.newLeaderAndIsr(leader: 2, isr: [2, 0])
        #expect(next == LeaderAndIsr(leader: 2, leaderEpoch: 6, isr: [2, 0], zkVersion: 7))
        // A state whose epoch has no next one is refused when read, so no election traps on it.
        let last = Array(#"{"controller_epoch":3,"leader":1,"version":1,"leader_epoch":2147483647,"isr":[1]}"#.utf8)
        #expect(throws: ZkDataError.self) { try LeaderIsrAndControllerEpoch.decode(last, zkVersion: 0, path: "/p") }
    }

    @Test func topicConfigIsKafkasJSON() throws {
        #expect(text(ConfigEntityZNode.encode([:])) == #"{"version":1,"config":{}}"#)
        let config = ["retention.ms": "86400000", "cleanup.policy": "compact", "x": "a\"b\\c/d"]
        let bytes = ConfigEntityZNode.encode(config)
        #expect(text(bytes) == #"{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"86400000","x":"a\"b\\c/d"}}"#)
        #expect(try ConfigEntityZNode.decode(bytes, path: "/c") == config)
    }

    @Test func isrChangeNotificationIsKafkasJSON() throws {
        let bytes = IsrChangeNotification.encode([("t", 0), ("u", 3)])
        #expect(text(bytes) == #"{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"u","partition":3}]}"#)
        #expect(try IsrChangeNotification.decode(bytes).map { "\($0.topic)-\($0.partition)" } == ["t-0", "u-3"])
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
