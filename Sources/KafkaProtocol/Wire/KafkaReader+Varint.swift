/// Variable-length integers: Kafka's unsigned varint (compact lengths, tagged fields) and the zigzag varint and
/// varlong of the record format (`ByteUtils.java`).
///
/// Java's decoder rejects a sixth byte for 32-bit values (and an eleventh for 64-bit); this one also rejects a
/// final byte carrying bits beyond the type's width, which no correct encoder produces, so a value can never be
/// silently truncated into something small and plausible.
extension KafkaReader {
    public mutating func unsignedVarint(_ field: StaticString = "") throws(ProtocolDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try rawVarint(field, maxBytes: 5, bits: 32))
    }

    /// A zigzag-encoded `int32` (record lengths, offset deltas, header counts).
    public mutating func varint(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int32 {
        VarintDecoding.zigzag32(try rawVarint(field, maxBytes: 5, bits: 32))
    }

    /// A zigzag-encoded `int64` (record timestamp deltas).
    public mutating func varlong(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int64 {
        VarintDecoding.zigzag64(try rawVarint(field, maxBytes: 10, bits: 64))
    }

    private mutating func rawVarint(
        _ field: StaticString, maxBytes: Int, bits: Int
    ) throws(ProtocolDecodingError) -> UInt64 {
        let (value, length) = try buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(ProtocolDecodingError) in
                var position = 0
                let value = try VarintDecoding.raw(bytes, at: &position, maxBytes: maxBytes, bits: bits, field)
                return (value, position)
            }
        }.get()
        buffer.moveReaderIndex(forwardBy: length)
        return value
    }
}

/// The varint decoding shared by `KafkaReader` (frames in a `ByteBuffer`) and `RecordIterator` (records in raw
/// memory).
enum VarintDecoding {
    /// Little-endian base-128 groups, high bit set on every byte but the last, starting at `position`, which is
    /// advanced past them.
    @inline(__always)
    static func raw(
        _ bytes: UnsafeRawBufferPointer, at position: inout Int, maxBytes: Int, bits: Int, _ field: StaticString
    ) throws(ProtocolDecodingError) -> UInt64 {
        var result: UInt64 = 0
        for index in 0..<maxBytes {
            guard position < bytes.count else {
                throw ProtocolDecodingError(field, .truncated(needed: index + 1, available: index))
            }
            let byte = bytes[position]
            position += 1
            let payload = UInt64(byte & 0x7F)
            if index == maxBytes - 1 {
                // The last permitted byte may only fill the bits left in the type, and must end the varint.
                let spareBits = bits - 7 * index
                guard byte & 0x80 == 0, payload >> spareBits == 0 else {
                    throw ProtocolDecodingError(field, .invalidVarint)
                }
            }
            result |= payload << UInt64(7 * index)
            if byte & 0x80 == 0 { return result }
        }
        throw ProtocolDecodingError(field, .invalidVarint)
    }

    @inline(__always)
    static func zigzag32(_ raw: UInt64) -> Int32 {
        let raw = UInt32(truncatingIfNeeded: raw)
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inline(__always)
    static func zigzag64(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}
