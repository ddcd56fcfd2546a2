/// Kafka's `Sanitizer`: user and client names become znode names (`/config/users/<sanitized>`) through
/// `URLEncoder.encode(name, "UTF-8")` with `*` written `%2A` and space `%20` (not `+`). Letters, digits and `.-_`
/// stay; every other UTF-8 byte is `%XX` in upper-case hex.
public enum Sanitizer {
    public static func sanitize(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Kafka's `desanitize` (`URLDecoder.decode`): `%XX` to its byte, `+` to a space; nil for a broken escape or
    /// bytes that are not UTF-8.
    public static func desanitize(_ name: String) -> String? {
        percentDecode(name, plusIsSpace: true)
    }

    /// `%XX` to its byte (and `+` to a space when `plusIsSpace`, as in form data); nil for a broken escape or bytes
    /// that are not UTF-8. Also what the broker's HTTP server decodes paths and queries with.
    public static func percentDecode(_ text: some StringProtocol, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
