/// Why a Kafka request or response could not be decoded, and in which field.
///
/// Readers throw this instead of trapping so that hostile or corrupt input costs the broker one connection (it
/// answers or closes), never the process. `field` is the name the caller passed (empty when it passed none), so a
/// log line says "client_id: length 40000 exceeds limit 32767" rather than only "bad frame".
public struct ProtocolDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The field needs `needed` bytes but only `available` remain.
        case truncated(needed: Int, available: Int)
        /// A length or count below -1 (or -1 where null is not allowed; see `unexpectedNull`).
        case negativeLength(Int64)
        /// A length or count above the caller's `WireLimits`.
        case tooLong(length: Int64, limit: Int)
        /// A varint longer than its type allows, or whose last byte carries bits beyond the type's width.
        case invalidVarint
        /// A string whose bytes are not valid UTF-8.
        case invalidUTF8
        /// A null (length -1, or compact length 0) in a field that is not nullable in this version.
        case unexpectedNull
        /// A value outside what the field allows (for example an unknown header version).
        case invalidValue(Int64)
    }

    public let field: String
    public let kind: Kind

    public init(field: String, kind: Kind) {
        self.field = field
        self.kind = kind
    }

    init(_ field: StaticString, _ kind: Kind) {
        self.init(field: field.description, kind: kind)
    }

    public var description: String {
        let prefix = field.isEmpty ? "" : "\(field): "
        switch kind {
        case .truncated(let needed, let available):
            return "\(prefix)truncated: needs \(needed) bytes, \(available) remain"
        case .negativeLength(let length):
            return "\(prefix)invalid negative length \(length)"
        case .tooLong(let length, let limit):
            return "\(prefix)length \(length) exceeds limit \(limit)"
        case .invalidVarint:
            return "\(prefix)invalid varint"
        case .invalidUTF8:
            return "\(prefix)invalid UTF-8"
        case .unexpectedNull:
            return "\(prefix)null in a non-nullable field"
        case .invalidValue(let value):
            return "\(prefix)invalid value \(value)"
        }
    }
}

/// Why a value could not be encoded: it does not fit the wire type the version requires.
///
/// Encoding only fails on values the protocol cannot express (a 40 000-byte classic string, tags out of order), so
/// this is a programming error in the caller or a limit it must enforce earlier, surfaced as an error rather than a
/// trap because the value may come from a client.
public struct ProtocolEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The value's length does not fit the field's length prefix.
        case tooLong(length: Int, limit: Int)
        /// Tagged fields must be written in strictly ascending tag order.
        case tagsNotAscending(previous: UInt32, next: UInt32)
        /// A null given for a field that is not nullable in this version.
        case unexpectedNull
    }

    public let field: String
    public let kind: Kind

    public init(field: String, kind: Kind) {
        self.field = field
        self.kind = kind
    }

    init(_ field: StaticString, _ kind: Kind) {
        self.init(field: field.description, kind: kind)
    }

    public var description: String {
        let prefix = field.isEmpty ? "" : "\(field): "
        switch kind {
        case .tooLong(let length, let limit):
            return "\(prefix)length \(length) exceeds the wire type's limit \(limit)"
        case .tagsNotAscending(let previous, let next):
            return "\(prefix)tag \(next) written after tag \(previous); tags must ascend"
        case .unexpectedNull:
            return "\(prefix)null in a non-nullable field"
        }
    }
}
