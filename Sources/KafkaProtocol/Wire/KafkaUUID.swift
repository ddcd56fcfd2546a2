/// Kafka's `uuid` type (topic ids, KIP-516): 16 bytes on the wire, the most significant 64 bits first.
///
/// Kept as two `UInt64`s like Kafka's own `Uuid` (most/least significant bits) rather than Foundation's `UUID`, so
/// the protocol module needs no Foundation and comparisons are two integer compares.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var mostSignificantBits: UInt64
    public var leastSignificantBits: UInt64

    public init(mostSignificantBits: UInt64, leastSignificantBits: UInt64) {
        self.mostSignificantBits = mostSignificantBits
        self.leastSignificantBits = leastSignificantBits
    }

    /// Kafka's `Uuid.ZERO_UUID`, which the protocol uses to mean "no id".
    public static let zero = KafkaUUID(mostSignificantBits: 0, leastSignificantBits: 0)

    /// Hex in the familiar 8-4-4-4-12 grouping (Kafka itself prints base64; this is for logs and tests).
    public var description: String {
        let hex = hexDigits(mostSignificantBits) + hexDigits(leastSignificantBits)
        let groups = [8, 4, 4, 4, 12]
        var result = ""
        var index = hex.startIndex
        for (offset, length) in groups.enumerated() {
            if offset > 0 { result += "-" }
            let end = hex.index(index, offsetBy: length)
            result += hex[index..<end]
            index = end
        }
        return result
    }
}

private func hexDigits(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
