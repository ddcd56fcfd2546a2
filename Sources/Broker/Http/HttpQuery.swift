import Coordination

/// `application/x-www-form-urlencoded` and percent-decoding, for query strings and form bodies.
enum HttpQuery {
    /// "a=1&b=x%20y" -> ["a": "1", "b": "x y"]; pairs that do not decode are skipped.
    static func parse(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), !key.isEmpty else { continue }
            result[key] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return result
    }

    /// Percent-decoding with '+' as space (form data) unless told otherwise (paths); nil for a broken escape or
    /// bytes that are not UTF-8.
    static func decode(_ text: Substring, plusIsSpace: Bool = true) -> String? {
        Sanitizer.percentDecode(text, plusIsSpace: plusIsSpace)
    }

    /// Percent-encodes everything but unreserved characters and '/', for links to paths such as znodes.
    static func encodePath(_ text: String, keepingSlashes: Bool = true) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "/") where keepingSlashes:
                result.append("/")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }

    /// As `encodePath`, and '/' too: for one query value.
    static func encodeComponent(_ text: String) -> String {
        encodePath(text, keepingSlashes: false)
    }
}
