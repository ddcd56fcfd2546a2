/// Java `.properties` text as `Properties.store` writes it, so whatever the test passes reads back unchanged by
/// any correct parser (Java's or Gregor's own).
enum PropertiesText {
    /// One `key=value` line per entry, sorted by key.
    static func render(_ properties: [String: String]) -> String {
        properties.sorted { $0.key < $1.key }
            .map { "\(escape($0.key, isKey: true))=\(escape($0.value, isKey: false))\n" }
            .joined()
    }

    /// Escapes `\`, `=`, `:`, `#`, `!`, control characters, blanks a reader would drop (any in a key, leading
    /// and trailing ones in a value, since some readers trim those) and everything outside printable ASCII
    /// (as `\uXXXX`).
    static func escape(_ text: String, isKey: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        let firstNonBlank = scalars.firstIndex { $0 != " " } ?? scalars.count
        let trailingBlanks = (scalars.lastIndex { $0 != " " } ?? -1) + 1
        var out = ""
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "\\", "=", ":", "#", "!": out += "\\" + String(scalar)
            case " ": out += (isKey || index < firstNonBlank || index >= trailingBlanks) ? "\\ " : " "
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value >= 0x20 && scalar.value <= 0x7E {
                    out.unicodeScalars.append(scalar)
                } else {
                    for unit in Character(scalar).utf16 {
                        let hex = String(unit, radix: 16, uppercase: true)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                }
            }
        }
        return out
    }
}
