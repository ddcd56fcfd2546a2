import Foundation

/// Kafka writes compact JSON into znodes; so do we. Slashes are not escaped so that endpoints read naturally in
/// zkCli (`PLAINTEXT://host:9092`, not `PLAINTEXT:\/\/host:9092`).
enum ZkJSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        do {
            return Array(try encoder.encode(value))
        } catch {
            preconditionFailure("znode models always encode: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// A znode whose content is not what Kafka's format says it should be.
public enum ZkDataError: Error, Sendable, CustomStringConvertible {
    case malformed(path: String, text: String)

    public var description: String {
        switch self {
        case .malformed(let path, let text): return "unexpected data in znode \(path): '\(text.prefix(200))'"
        }
    }
}

/// Kafka stores timestamps as JSON strings of milliseconds since the epoch.
func currentTimeMillisString() -> String {
    String(Int64(Date().timeIntervalSince1970 * 1000))
}
