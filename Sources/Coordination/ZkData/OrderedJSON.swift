/// Compact JSON whose object keys come out in the order given, for the znodes an operator compares with Kafka's
/// own (`ZkJSON` sorts keys, which is fine where the order does not matter to anyone). Kafka writes these through
/// Jackson from Java maps; Gregor writes the same keys in the order Kafka's output shows them.
public indirect enum OrderedJSON: Sendable {
    case int(Int64)
    case string(String)
    case ints([Int32])
    case array([OrderedJSON])
    case object([(key: String, value: OrderedJSON)])

    static func int32(_ value: Int32) -> OrderedJSON { .int(Int64(value)) }

    var bytes: [UInt8] { Array(text.utf8) }

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .int(let value):
            out += String(value)
        case .string(let value):
            Self.writeString(value, to: &out)
        case .ints(let values):
            out += "[" + values.map(String.init).joined(separator: ",") + "]"
        case .array(let values):
            out += "["
            for (i, value) in values.enumerated() {
                if i > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// `value` as a JSON string, escaped as Jackson (and so Kafka's tools) does; for output that is not a znode.
    public static func quoted(_ value: String) -> String {
        var out = ""
        writeString(value, to: &out)
        return out
    }

    /// Escapes as Jackson does: quote, backslash and control characters; slashes stay as they are.
    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
