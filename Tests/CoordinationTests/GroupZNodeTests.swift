import KafkaProtocol
import Foundation
import Testing
import ZooKeeper

@testable import Coordination

/// The consumer group znodes' paths and formats, and the multi-op steps planned for each kind of write.
@Suite("Consumer group znodes")
struct GroupZNodeTests {
    @Test func pathsAreKafkasWithGregorsSiblings() {
        #expect(ZkPaths.consumerOffset(group: "billing", topic: "orders", partition: 3) == "/consumers/billing/offsets/orders/3")
        #expect(ZkPaths.consumerOffsetMetadata(group: "billing", topic: "orders", partition: 3) == "/consumers/billing/offsets_metadata/orders/3")
        #expect(ZkPaths.consumerOffsetsRoot(group: "billing") == "/consumers/billing/offsets")
        #expect(ZkPaths.consumerOffsetsMetadataRoot(group: "billing") == "/consumers/billing/offsets_metadata")
        #expect(ZkPaths.consumerCoordinator(group: "billing") == "/consumers/billing/coordinator")
        #expect(ZkPaths.consumerGroup("billing") == "/consumers/billing")
    }

    @Test func offsetIsDecimalText() throws {
        #expect(String(decoding: ConsumerOffsetZNode.encode(4711), as: UTF8.self) == "4711")
        #expect(try ConsumerOffsetZNode.decode(Array("4711".utf8), path: "/p") == 4711)
        #expect(try ConsumerOffsetZNode.decode(Array(" 42\n".utf8), path: "/p") == 42, "a hand edit in zkCli")
        for bad in ["", "abc", "4.5", "99999999999999999999", "1 2"] {
            #expect(throws: ZkDataError.self, "\(bad)") { try ConsumerOffsetZNode.decode(Array(bad.utf8), path: "/p") }
        }
    }

    @Test func metadataIsJSONWithStringTimestamps() throws {
        let value = OffsetAndMetadata(
            offset: 4711, leaderEpoch: 3, metadata: "{\"a\":\"b/c\"}\n", commitTimestampMs: 1_732_400_000_000)
        let text = String(decoding: ConsumerOffsetMetadataZNode.encode(value), as: UTF8.self)
        #expect(text == #"{"version":1,"leader_epoch":3,"metadata":"{\"a\":\"b/c\"}\n","commit_timestamp":"1732400000000","expire_timestamp":"-1"}"#)
        #expect(try ConsumerOffsetMetadataZNode.decode(Array(text.utf8), offset: 4711, path: "/p") == value)
        var expiring = value
        expiring.expireTimestampMs = 1_732_500_000_000
        expiring.metadata = "ü \u{1}"
        #expect(try ConsumerOffsetMetadataZNode.decode(ConsumerOffsetMetadataZNode.encode(expiring), offset: 4711, path: "/p") == expiring)
        let bad = [
            "not json", "{}", #"{"version":1,"leader_epoch":-1,"metadata":"","commit_timestamp":"soon","expire_timestamp":"-1"}"#,
            #"{"version":1,"leader_epoch":-1,"metadata":"","commit_timestamp":"1","expire_timestamp":"-5"}"#,
            #"{"version":0,"leader_epoch":-1,"metadata":"","commit_timestamp":"1","expire_timestamp":"-1"}"#,
            #"{"version":1,"leader_epoch":4294967296,"metadata":"","commit_timestamp":"1","expire_timestamp":"-1"}"#,
        ]
        for text in bad {
            #expect(throws: ZkDataError.self, "\(text)") { try ConsumerOffsetMetadataZNode.decode(Array(text.utf8), offset: 1, path: "/p") }
        }
    }

    @Test func coordinatorNodeIsKafkaStyleJSON() throws {
        let node = GroupCoordinatorZNode(brokerId: 1, coordinatorEpoch: 5, timestampMs: "1732400000000")
        #expect(String(decoding: node.encoded(), as: UTF8.self) == #"{"version":1,"brokerid":1,"coordinator_epoch":5,"timestamp":"1732400000000"}"#)
        #expect(try GroupCoordinatorZNode.decode(node.encoded(), path: "/p") == node)
        for bad in ["garbage", #"{"version":1,"brokerid":1,"coordinator_epoch":-1,"timestamp":"1"}"#,
                    #"{"version":1,"brokerid":1,"coordinator_epoch":1,"timestamp":"now"}"#] {
            #expect(throws: ZkDataError.self, "\(bad)") { try GroupCoordinatorZNode.decode(Array(bad.utf8), path: "/p") }
        }
    }

    @Test func nodeNamesZooKeeperAccepts() {
        for name in ["billing", "a b", "group.v2", "日本", "...", "-1"] { #expect(ZkPaths.isValidNodeName(name), "\(name)") }
        for name in ["", ".", "..", "a/b", "a\u{0}", "tab\t", "\u{7F}", "\u{85}", "\u{E000}", "\u{FFF5}"] {
            #expect(!ZkPaths.isValidNodeName(name), "\(name.debugDescription)")
        }
    }

    @Test func commitCreatesWhatIsMissingThenSetsData() {
        var nodes = GroupZNodes.absent
        var ops: [ZooKeeperOperation] = []
        let entry = EncodedCommit(partition: TopicPartition("t", 0), offset: [0x31], metadata: [0x7B, 0x7D])
        nodes.plan(.commit([entry]), group: "g", into: &ops)
        #expect(ops == [
            .create(path: "/consumers/g/offsets", data: [], mode: .persistent),
            .create(path: "/consumers/g/offsets/t", data: [], mode: .persistent),
            .create(path: "/consumers/g/offsets/t/0", data: [0x31], mode: .persistent),
            .create(path: "/consumers/g/offsets_metadata", data: [], mode: .persistent),
            .create(path: "/consumers/g/offsets_metadata/t", data: [], mode: .persistent),
            .create(path: "/consumers/g/offsets_metadata/t/0", data: [0x7B, 0x7D], mode: .persistent),
        ])
        ops = []
        nodes.plan(.commit([entry]), group: "g", into: &ops)
        #expect(ops == [
            .setData(path: "/consumers/g/offsets/t/0", data: [0x31], version: anyVersion),
            .setData(path: "/consumers/g/offsets_metadata/t/0", data: [0x7B, 0x7D], version: anyVersion),
        ])
    }

    @Test func deletionsRemoveEmptiedTopicsAndNeverTheGroupNode() {
        let tree = PartitionTree(topics: ["t": ["0", "1"], "u": ["0"]])
        var nodes = GroupZNodes(offsets: tree, metadata: PartitionTree(topics: ["t": ["0"]]))
        var ops: [ZooKeeperOperation] = []
        nodes.plan(.deleteOffsets([TopicPartition("t", 0), TopicPartition("u", 7)]), group: "g", into: &ops)
        #expect(ops == [
            .delete(path: "/consumers/g/offsets/t/0", version: anyVersion),
            .delete(path: "/consumers/g/offsets_metadata/t/0", version: anyVersion),
            .delete(path: "/consumers/g/offsets_metadata/t", version: anyVersion),
        ])
        ops = []
        nodes.plan(.deleteGroup, group: "g", into: &ops)
        #expect(ops == [
            .delete(path: "/consumers/g/offsets/t/1", version: anyVersion),
            .delete(path: "/consumers/g/offsets/t", version: anyVersion),
            .delete(path: "/consumers/g/offsets/u/0", version: anyVersion),
            .delete(path: "/consumers/g/offsets/u", version: anyVersion),
            .delete(path: "/consumers/g/offsets", version: anyVersion),
            .delete(path: "/consumers/g/offsets_metadata", version: anyVersion),
        ])
        #expect(nodes == .absent)
        #expect(GroupZNodes.partition(named: "07") == nil && GroupZNodes.partition(named: "+7") == nil)
        #expect(GroupZNodes.partition(named: "7") == 7 && GroupZNodes.partition(named: "-1") == nil)
    }
}
