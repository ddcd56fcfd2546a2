/// `/consumers/<g>/coordinator`: the broker coordinating the group and its coordinator epoch, e.g.
/// `{"version":1,"brokerid":1,"coordinator_epoch":5,"timestamp":"1732400000000"}`. Persistent (an ephemeral node
/// would vanish with a frozen broker's session and let its version start over).
///
/// Kafka fenced group writes with the leader epoch of the `__consumer_offsets` partition; Gregor keeps offsets in
/// ZooKeeper, so this node plays that part: a new coordinator rewrites it with `coordinator_epoch` + 1, conditional
/// on the version it read, and its zkVersion after that write is the fence (`GroupFence`).
public struct GroupCoordinatorZNode: Sendable, Hashable {
    /// The epoch of a group nobody has coordinated yet; the first claim writes `initialEpoch + 1`.
    public static let initialEpoch: Int32 = 0

    public var brokerId: Int32
    public var coordinatorEpoch: Int32
    public var timestampMs: String

    public init(brokerId: Int32, coordinatorEpoch: Int32, timestampMs: String? = nil) {
        self.brokerId = brokerId
        self.coordinatorEpoch = coordinatorEpoch
        self.timestampMs = timestampMs ?? currentTimeMillisString()
    }

    public func encoded() -> [UInt8] {
        OrderedJSON.object([
            ("version", .int(1)), ("brokerid", .int32(brokerId)), ("coordinator_epoch", .int32(coordinatorEpoch)),
            ("timestamp", .string(timestampMs)),
        ]).bytes
    }

    private struct JSON: Decodable {
        var version: Int
        var brokerid: Int32
        var coordinator_epoch: Int32
        var timestamp: String
    }

    /// A negative epoch or a timestamp that is not an Int64 is malformed.
    public static func decode(_ bytes: [UInt8], path: String) throws -> GroupCoordinatorZNode {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        guard json.version >= 1, json.coordinator_epoch >= 0, Int64(json.timestamp) != nil else {
            throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        }
        return GroupCoordinatorZNode(brokerId: json.brokerid, coordinatorEpoch: json.coordinator_epoch, timestampMs: json.timestamp)
    }
}
