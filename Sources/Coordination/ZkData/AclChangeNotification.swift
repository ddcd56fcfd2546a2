/// A resource pattern whose ACLs changed, for every broker to re-read (Kafka's `ZkAclChangeStore`). Literal
/// patterns go to `/kafka-acl-changes/acl_changes_<seq>` as the legacy text `<RESOURCE_TYPE>:<name>`
/// (`TOPIC:orders`, Java's enum name); other patterns to `/kafka-acl-extended-changes/acl_changes_<seq>` as
/// `{"version":1,"resourceType":"TOPIC","name":"ord","patternType":"PREFIXED"}`.
public enum AclChangeNotification {
    public static let literalChangePath = "/kafka-acl-changes"
    public static let extendedChangePath = "/kafka-acl-extended-changes"
    public static let sequencePrefix = "acl_changes_"
    public static let changePaths = [literalChangePath, extendedChangePath]

    public static func changePath(_ patternType: PatternType) -> String {
        patternType == .literal ? literalChangePath : extendedChangePath
    }

    public static func encode(_ pattern: ResourcePattern) -> [UInt8] {
        if pattern.patternType == .literal {
            return Array("\(pattern.resourceType.enumName):\(pattern.name)".utf8)
        }
        return OrderedJSON.object([
            ("version", .int(1)), ("resourceType", .string(pattern.resourceType.enumName)),
            ("name", .string(pattern.name)), ("patternType", .string(pattern.patternType.enumName)),
        ]).bytes
    }

    private struct ExtendedJSON: Decodable {
        var version: Int
        var resourceType: String
        var name: String
        var patternType: String
    }

    /// Decodes a notification read under `changePath` (`LiteralAclChangeStore.decode`, `ExtendedAclChangeStore.decode`).
    public static func decode(_ bytes: [UInt8], changePath: String, path: String) throws -> ResourcePattern {
        let text = String(decoding: bytes, as: UTF8.self)
        let malformed = ZkDataError.malformed(path: path, text: text)
        if changePath == literalChangePath {
            guard let colon = text.firstIndex(of: ":"), let type = ResourceType(name: String(text[..<colon])) else {
                throw malformed
            }
            return ResourcePattern(type, String(text[text.index(after: colon)...]), .literal)
        }
        let json = try ZkJSON.decode(ExtendedJSON.self, from: bytes, path: path)
        guard json.version <= 1, let type = ResourceType(name: json.resourceType),
            let patternType = PatternType(name: json.patternType)
        else { throw malformed }
        return ResourcePattern(type, json.name, patternType)
    }

    public static func sequenceNumber(ofNodeName name: String) -> Int64? {
        guard name.hasPrefix(sequencePrefix) else { return nil }
        return Int64(name.dropFirst(sequencePrefix.count))
    }
}
