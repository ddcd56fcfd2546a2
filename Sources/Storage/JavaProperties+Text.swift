/// The character-level pieces of `JavaProperties`: splitting text into natural lines, blanks and backslash
/// counting on the way in, and `Properties.store`'s escaping on the way out.
extension JavaProperties {
    /// Escapes like Java's `saveConvert`: `\`, `=`, `:`, `#`, `!` and control characters always; a blank in a key,
    /// or at the start of a value, where reading would drop it; anything outside printable ASCII as `\uXXXX`.
    /// Unlike Java, a value's trailing blanks are escaped too, because `parse` trims unescaped ones.
    static func escape(_ text: String, isKey: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        let trailingBlanksStart = (scalars.lastIndex { $0 != " " } ?? -1) + 1
        var out = ""
        for (offset, scalar) in scalars.enumerated() {
            switch scalar {
            case "\\", "=", ":", "#", "!": out += "\\" + String(scalar)
            case " ": out += (isKey || offset == 0 || offset >= trailingBlanksStart) ? "\\ " : " "
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{0C}": out += "\\f"
            default: out += isPrintableASCII(scalar) ? String(scalar) : unicodeEscaped(scalar)
            }
        }
        return out
    }

    /// Comment text stays one line per `#` and ASCII-only; it is never read back.
    static func escapeComment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            out += isPrintableASCII(scalar) ? String(scalar) : unicodeEscaped(scalar)
        }
        return out
    }

    private static func isPrintableASCII(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x20 && scalar.value <= 0x7E
    }

    /// UTF-16 code units, so characters beyond the BMP become a surrogate pair of escapes as in Java.
    private static func unicodeEscaped(_ scalar: Unicode.Scalar) -> String {
        var out = ""
        for unit in Character(scalar).utf16 {
            let hex = String(unit, radix: 16, uppercase: true)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        return out
    }
}

/// Natural lines of a text as Java's `LineReader` sees them: ended by `\n`, `\r` or `\r\n`, numbered from 1.
struct NaturalLines {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var number = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func next() -> (number: Int, line: [Unicode.Scalar])? {
        guard position < scalars.count else { return nil }
        let start = position
        while position < scalars.count, scalars[position] != "\n", scalars[position] != "\r" {
            position += 1
        }
        let line = Array(scalars[start..<position])
        if position < scalars.count {
            let terminator = scalars[position]
            position += 1
            if terminator == "\r", position < scalars.count, scalars[position] == "\n" {
                position += 1
            }
        }
        number += 1
        return (number, line)
    }
}

extension Array where Element == Unicode.Scalar {
    func droppingLeadingBlanks() -> [Unicode.Scalar] {
        Array(drop(while: JavaProperties.isBlank))
    }

    /// An odd count means the last backslash is not itself escaped, so the line continues.
    var endsWithOddBackslashes: Bool {
        reversed().prefix(while: { $0 == "\\" }).count % 2 == 1
    }
}

extension ArraySlice where Element == Unicode.Scalar {
    /// Drops trailing blanks unless a blank is escaped (`a=b\ ` keeps its final blank).
    func droppingTrailingUnescapedBlanks() -> ArraySlice<Unicode.Scalar> {
        var end = endIndex
        while end > startIndex, JavaProperties.isBlank(self[end - 1]) {
            let backslashes = self[startIndex..<(end - 1)].reversed().prefix(while: { $0 == "\\" }).count
            if backslashes % 2 == 1 { break }
            end -= 1
        }
        return self[startIndex..<end]
    }
}
