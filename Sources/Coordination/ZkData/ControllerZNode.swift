import Foundation

/// `/controller`: which broker is the controller (Kafka's `ControllerZNode`, JSON version 1). Ephemeral.
public struct ControllerZNode: Sendable, Hashable {
    public var brokerId: Int32
    public var timestampMs: String

    public init(brokerId: Int32, timestampMs: String? = nil) {
        self.brokerId = brokerId
        self.timestampMs = timestampMs ?? currentTimeMillisString()
    }

    private struct JSON: Codable {
        var version: Int
        var brokerid: Int32
        var timestamp: String
    }

    public func encoded() -> [UInt8] {
        ZkJSON.encode(JSON(version: 1, brokerid: brokerId, timestamp: timestampMs))
    }

    public static func decode(_ bytes: [UInt8]) throws -> ControllerZNode {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: ZkPaths.controller)
        return ControllerZNode(brokerId: json.brokerid, timestampMs: json.timestamp)
    }
}

/// `/controller_epoch`: decimal text, bumped by every newly elected controller. Its zkVersion is the fencing token
/// a controller's writes are conditional on.
public struct ControllerEpoch: Sendable, Hashable {
    /// Kafka's `KafkaController.InitialControllerEpoch`.
    public static let initial: Int32 = 0

    public var epoch: Int32
    public var zkVersion: Int32

    public init(epoch: Int32, zkVersion: Int32) {
        self.epoch = epoch
        self.zkVersion = zkVersion
    }

    static func encode(_ epoch: Int32) -> [UInt8] { Array(String(epoch).utf8) }

    static func decode(_ bytes: [UInt8]) throws -> Int32 {
        guard let epoch = Int32(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            throw ZkDataError.malformed(path: ZkPaths.controllerEpoch, text: String(decoding: bytes, as: UTF8.self))
        }
        return epoch
    }
}
