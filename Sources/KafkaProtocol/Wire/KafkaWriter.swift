import NIOCore

/// Writes Kafka protocol primitives into a `ByteBuffer`, field by field; the mirror image of `KafkaReader`.
///
/// Fixed-width writes cannot fail. Strings, bytes, arrays and tagged fields throw `ProtocolEncodingError` when a
/// value does not fit its wire type (a classic string over 32767 bytes, a null where the version has no null,
/// tags out of order) — values that may come from a peer, so they must not trap.
public struct KafkaWriter {
    public var buffer: ByteBuffer
    /// Records regions whose bytes are sent after `buffer[..<position]` instead of living in `buffer`, in order.
    public private(set) var deferredRegions: [DeferredRegion] = []

    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    public mutating func int8(_ value: Int8) { buffer.writeInteger(value, endianness: .big) }
    public mutating func int16(_ value: Int16) { buffer.writeInteger(value, endianness: .big) }
    public mutating func int32(_ value: Int32) { buffer.writeInteger(value, endianness: .big) }
    public mutating func int64(_ value: Int64) { buffer.writeInteger(value, endianness: .big) }
    public mutating func uint16(_ value: UInt16) { buffer.writeInteger(value, endianness: .big) }
    public mutating func uint32(_ value: UInt32) { buffer.writeInteger(value, endianness: .big) }
    public mutating func float64(_ value: Double) { buffer.writeInteger(value.bitPattern, endianness: .big) }
    public mutating func boolean(_ value: Bool) { buffer.writeInteger(UInt8(value ? 1 : 0)) }

    public mutating func uuid(_ value: KafkaUUID) {
        buffer.writeInteger(value.mostSignificantBits, endianness: .big)
        buffer.writeInteger(value.leastSignificantBits, endianness: .big)
    }

    /// Marks `region`'s bytes as belonging at the current position; the caller has written any length prefix.
    public mutating func deferredRegion(_ region: any RecordsRegion) {
        deferredRegions.append(DeferredRegion(position: buffer.writerIndex - buffer.readerIndex, region: region))
    }

    // MARK: Varints

    public mutating func unsignedVarint(_ value: UInt32) {
        writeRawVarint(UInt64(value))
    }

    /// Zigzag-encoded `int32`.
    public mutating func varint(_ value: Int32) {
        writeRawVarint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    /// Zigzag-encoded `int64`.
    public mutating func varlong(_ value: Int64) {
        writeRawVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    private mutating func writeRawVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        buffer.writeInteger(UInt8(remaining))
    }

    // MARK: Tagged fields

    /// An empty tagged-field section (a single zero byte): what every flexible struct with no tags set ends with.
    public mutating func emptyTaggedFields() {
        unsignedVarint(0)
    }

    /// A tagged-field section with the given fields, which must be in strictly ascending tag order (Kafka's rule;
    /// readers may rely on it).
    public mutating func taggedFields(_ fields: [TaggedField], _ field: StaticString = "") throws(ProtocolEncodingError) {
        var previous: UInt32?
        for tagged in fields {
            if let previous, tagged.tag <= previous {
                throw ProtocolEncodingError(field, .tagsNotAscending(previous: previous, next: tagged.tag))
            }
            guard tagged.value.readableBytes <= Int(UInt32.max) else {
                throw ProtocolEncodingError(field, .tooLong(length: tagged.value.readableBytes, limit: Int(UInt32.max)))
            }
            previous = tagged.tag
        }
        unsignedVarint(UInt32(fields.count))
        for tagged in fields {
            unsignedVarint(tagged.tag)
            unsignedVarint(UInt32(tagged.value.readableBytes))
            var value = tagged.value
            buffer.writeBuffer(&value)
        }
    }
}
