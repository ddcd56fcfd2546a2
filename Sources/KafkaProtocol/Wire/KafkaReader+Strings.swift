import NIOCore

/// Strings and byte fields, classic (`int16`/`int32` length, -1 = null) and compact (unsigned varint length + 1,
/// 0 = null). Flexible message versions use the compact forms; the `compact:` overloads let a generated codec pass
/// `version >= firstFlexibleVersion` instead of branching at every field.
extension KafkaReader {
    // MARK: Strings

    public mutating func string(_ field: StaticString = "") throws(ProtocolDecodingError) -> String {
        guard let value = try nullableString(field) else { throw ProtocolDecodingError(field, .unexpectedNull) }
        return value
    }

    public mutating func nullableString(_ field: StaticString = "") throws(ProtocolDecodingError) -> String? {
        let length = Int64(try int16(field))
        if length == -1 { return nil }
        return try utf8(length: length, field)
    }

    public mutating func compactString(_ field: StaticString = "") throws(ProtocolDecodingError) -> String {
        guard let value = try compactNullableString(field) else { throw ProtocolDecodingError(field, .unexpectedNull) }
        return value
    }

    public mutating func compactNullableString(_ field: StaticString = "") throws(ProtocolDecodingError) -> String? {
        guard let length = try compactLength(field) else { return nil }
        return try utf8(length: length, field)
    }

    public mutating func string(_ field: StaticString = "", compact: Bool) throws(ProtocolDecodingError) -> String {
        compact ? try compactString(field) : try string(field)
    }

    public mutating func nullableString(
        _ field: StaticString = "", compact: Bool
    ) throws(ProtocolDecodingError) -> String? {
        compact ? try compactNullableString(field) : try nullableString(field)
    }

    // MARK: Bytes

    public mutating func bytes(_ field: StaticString = "") throws(ProtocolDecodingError) -> ByteBuffer {
        guard let value = try nullableBytes(field) else { throw ProtocolDecodingError(field, .unexpectedNull) }
        return value
    }

    public mutating func nullableBytes(_ field: StaticString = "") throws(ProtocolDecodingError) -> ByteBuffer? {
        let length = Int64(try int32(field))
        if length == -1 { return nil }
        return try slice(checkedLength(length, limit: limits.maxBytesLength, field), field)
    }

    public mutating func compactBytes(_ field: StaticString = "") throws(ProtocolDecodingError) -> ByteBuffer {
        guard let value = try compactNullableBytes(field) else { throw ProtocolDecodingError(field, .unexpectedNull) }
        return value
    }

    public mutating func compactNullableBytes(_ field: StaticString = "") throws(ProtocolDecodingError) -> ByteBuffer? {
        guard let length = try compactLength(field) else { return nil }
        return try slice(checkedLength(length, limit: limits.maxBytesLength, field), field)
    }

    public mutating func bytes(_ field: StaticString = "", compact: Bool) throws(ProtocolDecodingError) -> ByteBuffer {
        compact ? try compactBytes(field) : try bytes(field)
    }

    public mutating func nullableBytes(
        _ field: StaticString = "", compact: Bool
    ) throws(ProtocolDecodingError) -> ByteBuffer? {
        compact ? try compactNullableBytes(field) : try nullableBytes(field)
    }

    // MARK: Helpers

    /// An unsigned varint holding length + 1; nil for 0 (null). Not yet checked against limits.
    mutating func compactLength(_ field: StaticString) throws(ProtocolDecodingError) -> Int64? {
        let encoded = try unsignedVarint(field)
        return encoded == 0 ? nil : Int64(encoded) - 1
    }

    /// Checks `length`, then decodes that many bytes as strict UTF-8 (no replacement characters: a string that is
    /// not UTF-8 is a corrupt request, and silently repairing it could make two distinct names equal).
    private mutating func utf8(length: Int64, _ field: StaticString) throws(ProtocolDecodingError) -> String {
        let count = try checkedLength(length, limit: limits.maxStringLength, field)
        let decoded = buffer.withUnsafeReadableBytes { raw in
            String(validating: raw.prefix(count), as: UTF8.self)
        }
        guard let decoded else { throw ProtocolDecodingError(field, .invalidUTF8) }
        buffer.moveReaderIndex(forwardBy: count)
        return decoded
    }
}
