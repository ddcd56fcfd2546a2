import Foundation

/// `/cluster/id`: the cluster's identity, created by the first broker (Kafka's `ClusterIdZNode`).
public enum ClusterIdZNode {
    private struct JSON: Codable {
        var version: String
        var id: String
    }

    public static func encode(_ id: String) -> [UInt8] {
        ZkJSON.encode(JSON(version: "1", id: id))
    }

    public static func decode(_ bytes: [UInt8]) throws -> String {
        try ZkJSON.decode(JSON.self, from: bytes, path: ZkPaths.clusterId).id
    }

    /// Kafka's `Uuid.randomUuid().toString()`: 16 random bytes as URL-safe base64 without padding (22 characters).
    public static func generate() -> String {
        var uuid = UUID().uuid
        let bytes = withUnsafeBytes(of: &uuid) { Data($0) }
        return bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
