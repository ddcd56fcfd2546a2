import NIOCore

/// Reads for generated codecs: arrays of any element type, and fields whose nullability depends on the version
/// (a null where the version has none is `unexpectedNull`).
extension KafkaReader {
    mutating func array<Element: KafkaArrayElement>(
        _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolDecodingError) -> [Element] {
        try elements(arrayCount(field, compact: compact), field, version: version, compact: compact)
    }

    mutating func nullableArray<Element: KafkaArrayElement>(
        _ field: StaticString, version: Int16, compact: Bool, nullable: Bool = true
    ) throws(ProtocolDecodingError) -> [Element]? {
        guard let count = try nullableArrayCount(field, compact: compact) else {
            guard nullable else { throw ProtocolDecodingError(field, .unexpectedNull) }
            return nil
        }
        return try elements(count, field, version: version, compact: compact)
    }

    /// `count` was checked against the limits and the bytes remaining, so reserving it is safe.
    private mutating func elements<Element: KafkaArrayElement>(
        _ count: Int, _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolDecodingError) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(count)
        let context = ArrayContext(field: field, version: version, compact: compact)
        for _ in 0..<count {
            result.append(try Element.read(&self, context))
        }
        return result
    }

    mutating func nullableString(
        _ field: StaticString, compact: Bool, nullable: Bool
    ) throws(ProtocolDecodingError) -> String? {
        let value = try nullableString(field, compact: compact)
        if value == nil, !nullable { throw ProtocolDecodingError(field, .unexpectedNull) }
        return value
    }

    mutating func nullableBytes(
        _ field: StaticString, compact: Bool, nullable: Bool
    ) throws(ProtocolDecodingError) -> ByteBuffer? {
        let value = try nullableBytes(field, compact: compact)
        if value == nil, !nullable { throw ProtocolDecodingError(field, .unexpectedNull) }
        return value
    }

    /// A `records` field as a slice of the frame (no copy): Produce data goes to the log as the bytes that came in.
    mutating func records(
        _ field: StaticString, compact: Bool, nullable: Bool
    ) throws(ProtocolDecodingError) -> KafkaRecords? {
        try nullableBytes(field, compact: compact, nullable: nullable).map(KafkaRecords.bytes)
    }
}
