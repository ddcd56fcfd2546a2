import NIOCore

/// Writes for generated codecs, mirroring `KafkaReader+Messages`: arrays of any element type, version-dependent
/// nullability (null where the version has none throws `unexpectedNull`), records regions, and tag merging.
extension KafkaWriter {
    mutating func array<Element: KafkaArrayElement>(
        _ value: [Element], _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolEncodingError) {
        try arrayCount(value.count, field, compact: compact)
        let context = ArrayContext(field: field, version: version, compact: compact)
        for element in value { try element.write(&self, context) }
    }

    mutating func nullableArray<Element: KafkaArrayElement>(
        _ value: [Element]?, _ field: StaticString, version: Int16, compact: Bool, nullable: Bool
    ) throws(ProtocolEncodingError) {
        guard let value else {
            guard nullable else { throw ProtocolEncodingError(field, .unexpectedNull) }
            return try arrayCount(nil, field, compact: compact)
        }
        try array(value, field, version: version, compact: compact)
    }

    mutating func nullableString(
        _ value: String?, _ field: StaticString, compact: Bool, nullable: Bool
    ) throws(ProtocolEncodingError) {
        if value == nil, !nullable { throw ProtocolEncodingError(field, .unexpectedNull) }
        try nullableString(value, field, compact: compact)
    }

    mutating func nullableBytes(
        _ value: ByteBuffer?, _ field: StaticString, compact: Bool, nullable: Bool
    ) throws(ProtocolEncodingError) {
        if value == nil, !nullable { throw ProtocolEncodingError(field, .unexpectedNull) }
        try nullableBytes(value, field, compact: compact)
    }

    /// In-memory records are written like `bytes`; a region gets its length prefix here and its bytes later, from
    /// the network layer (`deferredRegions`).
    mutating func records(
        _ value: KafkaRecords?, _ field: StaticString, compact: Bool, nullable: Bool
    ) throws(ProtocolEncodingError) {
        switch value {
        case nil, .bytes:
            try nullableBytes(value?.buffer, field, compact: compact, nullable: nullable)
        case .region(let region):
            let limit = compact ? Int(Int32.max) - 1 : Int(Int32.max)
            guard region.byteCount >= 0, region.byteCount <= limit else {
                throw ProtocolEncodingError(field, .tooLong(length: region.byteCount, limit: limit))
            }
            if compact {
                unsignedVarint(UInt32(region.byteCount + 1))
            } else {
                int32(Int32(region.byteCount))
            }
            deferredRegion(region)
        }
    }

    /// A tagged-field section of the known tags (already in ascending order) and the unknown ones kept from
    /// decoding, merged in ascending tag order; a tag in both throws `tagsNotAscending`.
    mutating func taggedFields(
        _ known: [TaggedField], merging unknown: [TaggedField], _ field: StaticString
    ) throws(ProtocolEncodingError) {
        if unknown.isEmpty { return try taggedFields(known, field) }
        if known.isEmpty { return try taggedFields(unknown, field) }
        var merged: [TaggedField] = []
        merged.reserveCapacity(known.count + unknown.count)
        var knownIndex = 0
        var unknownIndex = 0
        while knownIndex < known.count || unknownIndex < unknown.count {
            let takeKnown =
                unknownIndex == unknown.count
                || (knownIndex < known.count && known[knownIndex].tag <= unknown[unknownIndex].tag)
            if takeKnown {
                merged.append(known[knownIndex])
                knownIndex += 1
            } else {
                merged.append(unknown[unknownIndex])
                unknownIndex += 1
            }
        }
        try taggedFields(merged, field)
    }
}
