/// Array lengths and tagged-field sections.
///
/// An array's elements are decoded by the caller, so the reader only validates the count: not negative, within
/// `limits.maxArrayCount`, and not more than the bytes remaining (every element takes at least one byte — the same
/// check Kafka's generated code makes before allocating a collection). After that a caller may safely
/// `reserveCapacity(count)`.
extension KafkaReader {
    /// A classic array's `int32` count; -1 (null) is an error.
    public mutating func arrayCount(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int {
        guard let count = try nullableArrayCount(field) else { throw ProtocolDecodingError(field, .unexpectedNull) }
        return count
    }

    /// A classic array's `int32` count; nil for -1 (null).
    public mutating func nullableArrayCount(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int? {
        let count = Int64(try int32(field))
        if count == -1 { return nil }
        return try checkedCount(count, field)
    }

    /// A compact array's unsigned varint count + 1; 0 (null) is an error.
    public mutating func compactArrayCount(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int {
        guard let count = try compactNullableArrayCount(field) else {
            throw ProtocolDecodingError(field, .unexpectedNull)
        }
        return count
    }

    /// A compact array's unsigned varint count + 1; nil for 0 (null).
    public mutating func compactNullableArrayCount(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int? {
        guard let count = try compactLength(field) else { return nil }
        return try checkedCount(count, field)
    }

    public mutating func arrayCount(_ field: StaticString = "", compact: Bool) throws(ProtocolDecodingError) -> Int {
        compact ? try compactArrayCount(field) : try arrayCount(field)
    }

    public mutating func nullableArrayCount(
        _ field: StaticString = "", compact: Bool
    ) throws(ProtocolDecodingError) -> Int? {
        compact ? try compactNullableArrayCount(field) : try nullableArrayCount(field)
    }

    // MARK: Tagged fields

    /// Reads a whole tagged-field section (unsigned varint count, then per field: unsigned varint tag, unsigned
    /// varint size, `size` bytes) and returns every field as a zero-copy slice, in wire order.
    ///
    /// A generated codec decodes the tags it knows from their slices and ignores the rest, which is Kafka's rule
    /// for tags from newer peers.
    public mutating func taggedFields(_ field: StaticString = "") throws(ProtocolDecodingError) -> [TaggedField] {
        let count = try taggedFieldCount(field)
        var fields: [TaggedField] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let (tag, size) = try taggedFieldHeader(field)
            fields.append(TaggedField(tag: tag, value: try slice(size, field)))
        }
        return fields
    }

    /// Reads past a tagged-field section, validating its structure, when the message version defines no tags or
    /// the caller wants none of them.
    public mutating func skipTaggedFields(_ field: StaticString = "") throws(ProtocolDecodingError) {
        let count = try taggedFieldCount(field)
        for _ in 0..<count {
            let (_, size) = try taggedFieldHeader(field)
            try skip(size, field)
        }
    }

    // MARK: Helpers

    private mutating func taggedFieldCount(_ field: StaticString) throws(ProtocolDecodingError) -> Int {
        // Read first, then check: `checkedCount(try unsignedVarint())` would check a copy of `self` taken
        // before the read, misreporting the bytes remaining.
        let count = try unsignedVarint(field)
        return try checkedCount(Int64(count), field)
    }

    private mutating func taggedFieldHeader(_ field: StaticString) throws(ProtocolDecodingError) -> (UInt32, Int) {
        let tag = try unsignedVarint(field)
        let encodedSize = try unsignedVarint(field)
        let size = try checkedLength(Int64(encodedSize), limit: limits.maxBytesLength, field)
        return (tag, size)
    }

    private func checkedCount(_ count: Int64, _ field: StaticString) throws(ProtocolDecodingError) -> Int {
        try checkedLength(count, limit: limits.maxArrayCount, field)
    }
}
