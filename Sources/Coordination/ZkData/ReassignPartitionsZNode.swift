import KafkaProtocol

/// `/admin/reassign_partitions`: `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}`, the
/// reassignments kafka-reassign-partitions.sh used to write before AlterPartitionReassignments (Kafka's
/// `ReassignPartitionsZNode`). The controller starts each, removes each from the znode as it completes, and deletes
/// the znode when none is left. `log_dirs`, which Kafka's tool may add, is read and ignored.
public enum ReassignPartitionsZNode {
    private struct JSON: Decodable {
        struct Partition: Decodable {
            var topic: String
            var partition: Int32
            var replicas: [Int32]
        }
        var version: Int
        var partitions: [Partition]
    }

    public static func encode(_ reassignments: [TopicPartition: [Int32]]) -> [UInt8] {
        OrderedJSON.object([
            ("version", .int(1)),
            ("partitions", .array(reassignments.keys.sorted().map { partition in
                .object([
                    ("topic", .string(partition.topic)), ("partition", .int32(partition.partition)),
                    ("replicas", .ints(reassignments[partition]!)),
                ])
            })),
        ]).bytes
    }

    /// Throws `ZkDataError.malformed` for anything but version 1 of Kafka's format; a partition listed twice keeps
    /// its last entry, as Kafka's map does.
    public static func decode(_ bytes: [UInt8]) throws -> [TopicPartition: [Int32]] {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: ZkPaths.reassignPartitions)
        guard json.version == 1 else {
            throw ZkDataError.malformed(path: ZkPaths.reassignPartitions, text: String(decoding: bytes, as: UTF8.self))
        }
        var reassignments: [TopicPartition: [Int32]] = [:]
        for entry in json.partitions { reassignments[TopicPartition(entry.topic, entry.partition)] = entry.replicas }
        return reassignments
    }
}
