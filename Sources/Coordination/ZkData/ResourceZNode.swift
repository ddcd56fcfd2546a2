/// The ACLs of one resource pattern (Kafka's `ResourceZNode` / `ZkAclStore`): literal patterns in
/// `/kafka-acl/<ResourceType>/<name>` (`/kafka-acl/Topic/orders`), prefixed ones in
/// `/kafka-acl-extended/prefixed/<ResourceType>/<name>`, each holding
/// `{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Write","host":"*"}]}`.
/// Written by whichever broker handles CreateAcls/DeleteAcls, with a conditional (zkVersion) update.
public enum ResourceZNode {
    public static let literalAclPath = "/kafka-acl"
    /// `ExtendedAclZNode.path`; the pattern type's name in lower case follows (`ExtendedAclStore.aclPath`).
    public static let extendedAclPath = "/kafka-acl-extended"

    /// The root of the ACLs of one specific pattern type (`ZkAclStore.aclPath`).
    public static func storePath(_ patternType: PatternType) -> String {
        patternType == .literal ? literalAclPath : "\(extendedAclPath)/\(patternType.enumName.lowercased())"
    }

    /// `<store>/<ResourceType>` (`ZkAclStore.path(resourceType)`).
    public static func path(_ patternType: PatternType, _ resourceType: ResourceType) -> String {
        "\(storePath(patternType))/\(resourceType.name)"
    }

    public static func path(_ pattern: ResourcePattern) -> String {
        "\(path(pattern.patternType, pattern.resourceType))/\(pattern.name)"
    }

    /// The stores Kafka keeps (`ZkAclStore.stores`): one per specific pattern type.
    public static let storePatternTypes: [PatternType] = [.literal, .prefixed]

    public static func encode(_ acls: Set<AccessControlEntry>) -> [UInt8] {
        let sorted = acls.sorted { ($0.principal, $0.host, $0.operation.rawValue, $0.permissionType.rawValue)
            < ($1.principal, $1.host, $1.operation.rawValue, $1.permissionType.rawValue) }
        let entries: [OrderedJSON] = sorted.map { acl in
            .object([
                ("principal", .string(acl.principal)), ("permissionType", .string(acl.permissionType.name)),
                ("operation", .string(acl.operation.name)), ("host", .string(acl.host)),
            ])
        }
        return OrderedJSON.object([("version", .int(1)), ("acls", .array(entries))]).bytes
    }

    private struct JSON: Decodable {
        struct Entry: Decodable {
            var principal: String
            var permissionType: String
            var operation: String
            var host: String
        }
        var version: Int
        var acls: [Entry]
    }

    /// `AclEntry.fromBytes`: empty data is no ACLs; anything but version 1 or an unknown name is malformed.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Set<AccessControlEntry> {
        guard !bytes.isEmpty else { return [] }
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        let malformed = ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        guard json.version == 1 else { throw malformed }
        return Set(
            try json.acls.map { entry in
                guard let operation = AclOperation(name: entry.operation), operation != .unknown,
                    let permission = AclPermissionType(name: entry.permissionType), permission != .unknown,
                    AclPrincipal.parse(entry.principal) != nil
                else { throw malformed }
                return AccessControlEntry(
                    principal: entry.principal, host: entry.host, operation: operation, permissionType: permission)
            })
    }
}
