import Foundation
import KafkaProtocol

/// `/consumers/<g>/txn_offsets/<producerId>`: the offsets of one producer's open transaction, e.g.
/// `{"version":1,"transactional_id":"app-1","producer_epoch":0,"offsets":[{"topic":"orders","partition":0,`
/// `"offset":42,"leader_epoch":-1,"metadata":"","commit_timestamp":"1732400000000"}]}`.
/// Timestamps are JSON strings as everywhere in Kafka's tree. Partitions are written sorted.
public enum TxnOffsetsZNode {
    public static func encode(_ value: PendingTransactionalOffsets) -> [UInt8] {
        let offsets = value.offsets.sorted { $0.key < $1.key }.map { partition, offset in
            OrderedJSON.object([
                ("topic", .string(partition.topic)), ("partition", .int32(partition.partition)), ("offset", .int(offset.offset)),
                ("leader_epoch", .int32(offset.leaderEpoch)), ("metadata", .string(offset.metadata)),
                ("commit_timestamp", .string(String(offset.commitTimestampMs))),
            ])
        }
        return OrderedJSON.object([
            ("version", .int(1)), ("transactional_id", .string(value.transactionalId)),
            ("producer_epoch", .int(Int64(value.producerEpoch))), ("offsets", .array(offsets)),
        ]).bytes
    }

    private struct JSON: Decodable {
        struct Entry: Decodable {
            var topic: String
            var partition: Int32
            var offset: Int64
            var leader_epoch: Int32
            var metadata: String
            var commit_timestamp: String
        }

        var version: Int
        var transactional_id: String
        var producer_epoch: Int16
        var offsets: [Entry]
    }

    /// Versions above 1 are read for the fields version 1 has. A missing field, a number out of its type's
    /// range, a negative partition or a timestamp that is not an Int64 is malformed; a partition listed twice
    /// keeps its last entry.
    public static func decode(_ bytes: [UInt8], path: String) throws -> PendingTransactionalOffsets {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        let malformed = ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        guard json.version >= 1 else { throw malformed }
        var offsets: [TopicPartition: OffsetAndMetadata] = [:]
        for entry in json.offsets {
            guard entry.partition >= 0, let committed = Int64(entry.commit_timestamp) else { throw malformed }
            offsets[TopicPartition(entry.topic, entry.partition)] = OffsetAndMetadata(
                offset: entry.offset, leaderEpoch: entry.leader_epoch, metadata: entry.metadata, commitTimestampMs: committed)
        }
        return PendingTransactionalOffsets(
            transactionalId: json.transactional_id, producerEpoch: json.producer_epoch, offsets: offsets)
    }
}
