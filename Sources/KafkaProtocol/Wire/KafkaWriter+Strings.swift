import NIOCore

/// Strings, bytes and array lengths, classic and compact; the `compact:` overloads mirror `KafkaReader`'s so a
/// generated encoder passes `version >= firstFlexibleVersion` once per field.
extension KafkaWriter {
    // MARK: Strings

    public mutating func string(_ value: String, _ field: StaticString = "") throws(ProtocolEncodingError) {
        try nullableString(value, field)
    }

    public mutating func nullableString(_ value: String?, _ field: StaticString = "") throws(ProtocolEncodingError) {
        guard let value else { return int16(-1) }
        let length = value.utf8.count
        guard length <= Int(Int16.max) else {
            throw ProtocolEncodingError(field, .tooLong(length: length, limit: Int(Int16.max)))
        }
        int16(Int16(length))
        buffer.writeString(value)
    }

    public mutating func compactString(_ value: String, _ field: StaticString = "") throws(ProtocolEncodingError) {
        try compactNullableString(value, field)
    }

    public mutating func compactNullableString(
        _ value: String?, _ field: StaticString = ""
    ) throws(ProtocolEncodingError) {
        guard let value else { return unsignedVarint(0) }
        try compactLength(value.utf8.count, field)
        buffer.writeString(value)
    }

    public mutating func string(_ value: String, _ field: StaticString = "", compact: Bool) throws(ProtocolEncodingError) {
        compact ? try compactString(value, field) : try string(value, field)
    }

    public mutating func nullableString(
        _ value: String?, _ field: StaticString = "", compact: Bool
    ) throws(ProtocolEncodingError) {
        compact ? try compactNullableString(value, field) : try nullableString(value, field)
    }

    // MARK: Bytes

    public mutating func bytes(_ value: ByteBuffer, _ field: StaticString = "") throws(ProtocolEncodingError) {
        try nullableBytes(value, field)
    }

    public mutating func nullableBytes(_ value: ByteBuffer?, _ field: StaticString = "") throws(ProtocolEncodingError) {
        guard var value else { return int32(-1) }
        guard value.readableBytes <= Int(Int32.max) else {
            throw ProtocolEncodingError(field, .tooLong(length: value.readableBytes, limit: Int(Int32.max)))
        }
        int32(Int32(value.readableBytes))
        buffer.writeBuffer(&value)
    }

    public mutating func compactBytes(_ value: ByteBuffer, _ field: StaticString = "") throws(ProtocolEncodingError) {
        try compactNullableBytes(value, field)
    }

    public mutating func compactNullableBytes(
        _ value: ByteBuffer?, _ field: StaticString = ""
    ) throws(ProtocolEncodingError) {
        guard var value else { return unsignedVarint(0) }
        try compactLength(value.readableBytes, field)
        buffer.writeBuffer(&value)
    }

    public mutating func bytes(_ value: ByteBuffer, _ field: StaticString = "", compact: Bool) throws(ProtocolEncodingError) {
        compact ? try compactBytes(value, field) : try bytes(value, field)
    }

    public mutating func nullableBytes(
        _ value: ByteBuffer?, _ field: StaticString = "", compact: Bool
    ) throws(ProtocolEncodingError) {
        compact ? try compactNullableBytes(value, field) : try nullableBytes(value, field)
    }

    // MARK: Array lengths

    /// The count prefix of an array whose elements the caller writes next; nil writes a null array.
    public mutating func arrayCount(_ count: Int?, _ field: StaticString = "") throws(ProtocolEncodingError) {
        guard let count else { return int32(-1) }
        guard count <= Int(Int32.max) else {
            throw ProtocolEncodingError(field, .tooLong(length: count, limit: Int(Int32.max)))
        }
        int32(Int32(count))
    }

    /// The compact count prefix (count + 1, 0 = null) of an array whose elements the caller writes next.
    public mutating func compactArrayCount(_ count: Int?, _ field: StaticString = "") throws(ProtocolEncodingError) {
        guard let count else { return unsignedVarint(0) }
        try compactLength(count, field)
    }

    public mutating func arrayCount(_ count: Int?, _ field: StaticString = "", compact: Bool) throws(ProtocolEncodingError) {
        compact ? try compactArrayCount(count, field) : try arrayCount(count, field)
    }

    /// Writes `length + 1` as an unsigned varint; Kafka reads it into a signed `int`, so the cap is `Int32.max - 1`.
    private mutating func compactLength(_ length: Int, _ field: StaticString) throws(ProtocolEncodingError) {
        let limit = Int(Int32.max) - 1
        guard length <= limit else { throw ProtocolEncodingError(field, .tooLong(length: length, limit: limit)) }
        unsignedVarint(UInt32(length + 1))
    }
}
