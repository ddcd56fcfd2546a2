import Foundation

/// Reads and writes Java `.properties` text the way `java.util.Properties` does, because Kafka's own files
/// (`server.properties`, `meta.properties`) are in this format and operators edit them by hand.
///
/// Reading follows `Properties.load`: lines starting (after blanks) with `#` or `!` are comments; a key ends at the
/// first unescaped `=`, `:` or blank, and one `=`/`:` with blanks around it separates key from value; a line ending
/// in an odd number of backslashes continues on the next line (whose leading blanks are dropped); escapes are
/// `\t \n \r \f \uXXXX`, and any other escaped character stands for itself (`\\`, `\=`, `\:`, `\ `, `\#`).
/// One deliberate difference: unescaped trailing blanks of a value are dropped, as Kafka trims every value it reads
/// (an escaped trailing blank, `a=b\ `, is kept so `render` output reads back unchanged).
///
/// Text is Unicode (UTF-8 on disk); `render` escapes everything outside printable ASCII as `\uXXXX`, so its output
/// is also valid ISO-8859-1, which is what Java itself reads.
public enum JavaProperties {
    /// One key/value pair and the 1-based line its logical line starts on, so callers can point at it in errors.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: String
        public var line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// Every pair in file order, duplicates included (the last occurrence wins when callers build a dictionary).
    public static func parse(_ text: String) throws(JavaPropertiesError) -> [Entry] {
        var entries: [Entry] = []
        var lines = NaturalLines(text)
        while let (number, natural) = lines.next() {
            var logical = natural.droppingLeadingBlanks()
            guard let first = logical.first, first != "#", first != "!" else { continue }
            while logical.endsWithOddBackslashes {
                logical.removeLast()
                guard let (_, continuation) = lines.next() else { break }
                logical += continuation.droppingLeadingBlanks()
            }
            entries.append(try splitEntry(logical, line: number))
        }
        return entries
    }

    /// `parse`, folded into a dictionary where the last occurrence of a key wins (as in `Properties.load`).
    public static func parseDictionary(_ text: String) throws(JavaPropertiesError) -> [String: String] {
        var result: [String: String] = [:]
        for entry in try parse(text) {
            result[entry.key] = entry.value
        }
        return result
    }

    /// Text in the format of Java's `Properties.store`: the header's lines as `#` comments, then `date` as a comment
    /// in `java.util.Date.toString()` form (UTC), then one `key=value` line per pair, in the order given.
    public static func render(_ pairs: [(String, String)], header: String? = nil, date: Date? = nil) -> String {
        var out = ""
        if let header {
            for line in header.split(separator: "\n", omittingEmptySubsequences: false) {
                out += "#" + escapeComment(String(line)) + "\n"
            }
        }
        if let date {
            out += "#" + javaDateString(date) + "\n"
        }
        for (key, value) in pairs {
            out += escape(key, isKey: true) + "=" + escape(value, isKey: false) + "\n"
        }
        return out
    }

    /// `Date.toString()` as Java prints it in the UTC zone: `Tue Nov 24 11:38:55 UTC 2026`.
    public static func javaDateString(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss 'UTC' yyyy"
        return formatter.string(from: date)
    }

    // MARK: - Reading

    /// Splits one logical line (continuations joined, leading blanks gone) into an unescaped key and value.
    private static func splitEntry(_ line: [Unicode.Scalar], line number: Int) throws(JavaPropertiesError) -> Entry {
        var keyEnd = line.count
        var valueStart = line.count
        var hasSeparator = false
        var escaped = false
        for (index, scalar) in line.enumerated() {
            if escaped {
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "=" || scalar == ":" {
                (keyEnd, valueStart, hasSeparator) = (index, index + 1, true)
                break
            } else if isBlank(scalar) {
                (keyEnd, valueStart) = (index, index + 1)
                break
            }
        }
        while valueStart < line.count, isBlank(line[valueStart]) || (!hasSeparator && isSeparator(line[valueStart])) {
            if isSeparator(line[valueStart]) { hasSeparator = true }
            valueStart += 1
        }
        let key = try unescape(line[0..<keyEnd], line: number)
        let value = try unescape(line[valueStart...].droppingTrailingUnescapedBlanks(), line: number)
        return Entry(key: key, value: value, line: number)
    }

    private static func unescape(_ raw: ArraySlice<Unicode.Scalar>, line: Int) throws(JavaPropertiesError) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let scalar = raw[index]
            index += 1
            guard scalar == "\\", index < raw.endIndex else {
                units.append(contentsOf: Character(scalar).utf16)
                continue
            }
            let escapedScalar = raw[index]
            index += 1
            switch escapedScalar {
            case "t": units.append(0x09)
            case "n": units.append(0x0A)
            case "r": units.append(0x0D)
            case "f": units.append(0x0C)
            case "u":
                guard index + 4 <= raw.endIndex,
                    let unit = UInt16(String(String.UnicodeScalarView(raw[index..<index + 4])), radix: 16)
                else { throw .malformedUnicodeEscape(line: line) }
                units.append(unit)
                index += 4
            default: units.append(contentsOf: Character(escapedScalar).utf16)
            }
        }
        // UTF-16 so that a surrogate pair written as two \u escapes (as Java does) decodes to one character.
        return String(decoding: units, as: UTF16.self)
    }

    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0C}"
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "=" || scalar == ":"
    }
}

/// A `.properties` text that cannot be read; the line is 1-based.
public enum JavaPropertiesError: Error, Equatable, CustomStringConvertible {
    case malformedUnicodeEscape(line: Int)

    public var description: String {
        switch self {
        case .malformedUnicodeEscape(let line): "line \(line): malformed \\uXXXX escape (expected four hex digits)"
        }
    }
}
