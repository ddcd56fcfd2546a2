/// `/config/changes/config_change_<seq>`: an entity whose config overrides changed, for every broker to re-read
/// (Kafka's `ConfigEntityChangeNotificationSequenceZNode`). Version 2 names the entity by path,
/// `{"version":2,"entity_path":"topics/orders"}`; version 1 (older Kafka) by type and name,
/// `{"version":1,"entity_type":"topics","entity_name":"orders"}`. Both are read; version 2 is written.
public struct ConfigChangeNotification: Sendable, Hashable {
    public static let sequencePrefix = "config_change_"

    /// `topics`, `brokers`, `clients`, `users`, `ips`.
    public var entityType: String
    /// The entity's name, e.g. a topic (for users and clients possibly `<user>/clients/<client>`).
    public var entityName: String

    public init(entityType: String, entityName: String) {
        self.entityType = entityType
        self.entityName = entityName
    }

    public static func topic(_ name: String) -> ConfigChangeNotification {
        ConfigChangeNotification(entityType: "topics", entityName: name)
    }

    /// A broker's dynamic configs changed (`brokers/<id>`), or the cluster-wide defaults for nil
    /// (`brokers/<default>`).
    public static func broker(_ id: Int32?) -> ConfigChangeNotification {
        ConfigChangeNotification(entityType: "brokers", entityName: ZkPaths.brokerConfigEntity(id))
    }

    /// A user's dynamic configs (quotas, SCRAM credentials) changed: `users/<sanitized user>`.
    public static func user(sanitized: String) -> ConfigChangeNotification {
        ConfigChangeNotification(entityType: "users", entityName: sanitized)
    }

    private struct JSON: Decodable {
        var version: Int
        var entity_path: String?
        var entity_type: String?
        var entity_name: String?
    }

    public func encoded() -> [UInt8] {
        OrderedJSON.object([("version", .int(2)), ("entity_path", .string("\(entityType)/\(entityName)"))]).bytes
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> ConfigChangeNotification {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        switch json.version {
        case 1:
            guard let type = json.entity_type, let name = json.entity_name, !type.isEmpty, !name.isEmpty else {
                throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
            }
            return ConfigChangeNotification(entityType: type, entityName: name)
        case 2:
            guard let entityPath = json.entity_path, let slash = entityPath.firstIndex(of: "/"),
                slash != entityPath.startIndex, entityPath.index(after: slash) != entityPath.endIndex
            else { throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self)) }
            return ConfigChangeNotification(
                entityType: String(entityPath[..<slash]), entityName: String(entityPath[entityPath.index(after: slash)...]))
        default:
            throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The sequence number of a notification's node name, nil for other names.
    public static func sequenceNumber(ofNodeName name: String) -> Int64? {
        guard name.hasPrefix(sequencePrefix) else { return nil }
        return Int64(name.dropFirst(sequencePrefix.count))
    }
}
