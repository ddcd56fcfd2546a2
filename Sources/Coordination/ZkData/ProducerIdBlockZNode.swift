/// `/latest_producer_id_block`: the last block of producer ids a broker claimed (Kafka's `ProducerIdBlockZNode`,
/// JSON version 1), e.g. `{"version":1,"broker":1,"block_start":"0","block_end":"999"}`. The bounds are decimal
/// strings, as Kafka writes them. Persistent; brokers replace it with conditional updates on its zkVersion.
public struct ProducerIdBlock: Sendable, Hashable, CustomStringConvertible {
    /// Kafka's `ProducerIdManager.PidBlockSize`.
    public static let size: Int64 = 1000

    public var brokerId: Int32
    /// First and last id of the block, both included.
    public var firstId: Int64
    public var lastId: Int64

    public init(brokerId: Int32, firstId: Int64, lastId: Int64) {
        precondition(firstId >= 0 && firstId <= lastId, "a producer id block holds at least one non-negative id")
        self.brokerId = brokerId
        self.firstId = firstId
        self.lastId = lastId
    }

    /// The block a broker claims after `previous` (or the first one, 0...999), or nil once the ids of Int64 are
    /// used up (Kafka treats that as fatal too).
    public static func next(after previous: ProducerIdBlock?, brokerId: Int32) -> ProducerIdBlock? {
        guard let previous else { return ProducerIdBlock(brokerId: brokerId, firstId: 0, lastId: size - 1) }
        guard previous.lastId <= Int64.max - size else { return nil }
        return ProducerIdBlock(brokerId: brokerId, firstId: previous.lastId + 1, lastId: previous.lastId + size)
    }

    public var description: String { "producer ids \(firstId)...\(lastId) of broker \(brokerId)" }

    /// Compact JSON with Kafka's key order (Jackson writes its four-entry map in insertion order).
    public func encoded() -> [UInt8] {
        OrderedJSON.object([
            ("version", .int(1)), ("broker", .int32(brokerId)), ("block_start", .string(String(firstId))),
            ("block_end", .string(String(lastId))),
        ]).bytes
    }

    private struct JSON: Decodable {
        var version: Int
        var broker: Int32
        var block_start: String
        var block_end: String
    }

    /// Decodes the znode's data; empty data (the node as `ensurePersistentPaths` creates it) is no block yet.
    public static func decode(_ bytes: [UInt8]) throws -> ProducerIdBlock? {
        guard !bytes.isEmpty else { return nil }
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: ZkPaths.latestProducerIdBlock)
        guard let first = Int64(json.block_start), let last = Int64(json.block_end), first >= 0, first <= last else {
            throw ZkDataError.malformed(path: ZkPaths.latestProducerIdBlock, text: String(decoding: bytes, as: UTF8.self))
        }
        return ProducerIdBlock(brokerId: json.broker, firstId: first, lastId: last)
    }
}
