/// `/config/<entity-type>/<name>`, e.g. `/config/topics/<t>` (Kafka's `ConfigEntityZNode`): the entity's config
/// overrides as strings, `{"version":1,"config":{"retention.ms":"86400000"}}` (keys sorted).
public enum ConfigEntityZNode {
    private struct JSON: Decodable {
        var config: [String: String]?
    }

    public static func encode(_ config: [String: String]) -> [UInt8] {
        OrderedJSON.object([
            ("version", .int(1)),
            ("config", .object(config.keys.sorted().map { ($0, .string(config[$0]!)) })),
        ]).bytes
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> [String: String] {
        guard !bytes.isEmpty else { return [:] }
        return try ZkJSON.decode(JSON.self, from: bytes, path: path).config ?? [:]
    }
}
