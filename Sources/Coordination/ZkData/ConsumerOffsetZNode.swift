import Foundation

/// `/consumers/<g>/offsets/<t>/<p>`: the committed offset as decimal text, e.g. `4711` (Kafka's ZooKeeper offset
/// storage, which Kafka's tools and old consumers read as they are).
public enum ConsumerOffsetZNode {
    public static func encode(_ offset: Int64) -> [UInt8] { Array(String(offset).utf8) }

    /// The offset; surrounding whitespace (a hand edit in zkCli) is tolerated, anything else is malformed.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Int64 {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let offset = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ZkDataError.malformed(path: path, text: text)
        }
        return offset
    }
}

/// `/consumers/<g>/offsets_metadata/<t>/<p>`: the rest of a commit, beside the offset znode so that one stays
/// Kafka's plain decimal text, e.g.
/// `{"version":1,"leader_epoch":-1,"metadata":"","commit_timestamp":"1732400000000","expire_timestamp":"-1"}`.
/// Timestamps are JSON strings, as everywhere in Kafka's tree; `"-1"` is "no expire timestamp".
public enum ConsumerOffsetMetadataZNode {
    public static func encode(_ value: OffsetAndMetadata) -> [UInt8] {
        OrderedJSON.object([
            ("version", .int(1)), ("leader_epoch", .int32(value.leaderEpoch)), ("metadata", .string(value.metadata)),
            ("commit_timestamp", .string(String(value.commitTimestampMs))),
            ("expire_timestamp", .string(String(value.expireTimestampMs ?? -1))),
        ]).bytes
    }

    private struct JSON: Decodable {
        var version: Int
        var leader_epoch: Int32
        var metadata: String
        var commit_timestamp: String
        var expire_timestamp: String
    }

    /// `offset` (read from the sibling offset znode) with this node's fields. Versions above 1 are read for the
    /// fields version 1 has; a missing field, a timestamp that is not an Int64, or a negative expire timestamp
    /// other than -1 is malformed.
    public static func decode(_ bytes: [UInt8], offset: Int64, path: String) throws -> OffsetAndMetadata {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        guard json.version >= 1, let committed = Int64(json.commit_timestamp), let expire = Int64(json.expire_timestamp),
            expire >= -1
        else { throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self)) }
        return OffsetAndMetadata(
            offset: offset, leaderEpoch: json.leader_epoch, metadata: json.metadata, commitTimestampMs: committed,
            expireTimestampMs: expire == -1 ? nil : expire)
    }
}
