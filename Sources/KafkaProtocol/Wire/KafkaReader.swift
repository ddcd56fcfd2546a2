import NIOCore

/// Reads Kafka protocol primitives from a frame, one field at a time, in the order a message schema lists them.
///
/// This is what generated message codecs call field by field: `try reader.int32("correlation_id")`, with the
/// message version deciding between `string` and `compactString` (or passing `compact:`). Every read checks the
/// bytes remaining, and every length or count is checked against both the remaining bytes and `limits` *before*
/// anything is allocated or sliced, so hostile input ends in a `ProtocolDecodingError` naming the field, never a
/// trap or an allocation sized by the peer. On a throw the reader's position is unspecified; callers discard the
/// frame. `bytes` fields come back as slices of the frame (zero-copy).
public struct KafkaReader {
    /// The bytes not yet read; `readerIndex` advances as fields are read.
    public var buffer: ByteBuffer
    public let limits: WireLimits

    public init(buffer: ByteBuffer, limits: WireLimits = .default) {
        self.buffer = buffer
        self.limits = limits
    }

    /// Bytes left to read.
    public var remaining: Int { buffer.readableBytes }

    public mutating func int8(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int8 {
        try integer(field)
    }

    public mutating func int16(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int16 {
        try integer(field)
    }

    public mutating func int32(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int32 {
        try integer(field)
    }

    public mutating func int64(_ field: StaticString = "") throws(ProtocolDecodingError) -> Int64 {
        try integer(field)
    }

    public mutating func uint16(_ field: StaticString = "") throws(ProtocolDecodingError) -> UInt16 {
        try integer(field)
    }

    public mutating func uint32(_ field: StaticString = "") throws(ProtocolDecodingError) -> UInt32 {
        try integer(field)
    }

    /// IEEE 754 binary64, big-endian.
    public mutating func float64(_ field: StaticString = "") throws(ProtocolDecodingError) -> Double {
        Double(bitPattern: try integer(field, as: UInt64.self))
    }

    /// One byte; like Kafka (`Type.BOOLEAN`), any non-zero byte reads as true.
    public mutating func boolean(_ field: StaticString = "") throws(ProtocolDecodingError) -> Bool {
        try integer(field, as: UInt8.self) != 0
    }

    public mutating func uuid(_ field: StaticString = "") throws(ProtocolDecodingError) -> KafkaUUID {
        try require(16, field)
        let high: UInt64 = try integer(field)
        let low: UInt64 = try integer(field)
        return KafkaUUID(mostSignificantBits: high, leastSignificantBits: low)
    }

    /// Takes the next `count` bytes as a slice of the frame (zero-copy), after checking they are there.
    public mutating func slice(_ count: Int, _ field: StaticString = "") throws(ProtocolDecodingError) -> ByteBuffer {
        try require(count, field)
        guard let slice = buffer.readSlice(length: count) else {
            throw ProtocolDecodingError(field, .truncated(needed: count, available: remaining))
        }
        return slice
    }

    /// Skips the next `count` bytes after checking they are there.
    public mutating func skip(_ count: Int, _ field: StaticString = "") throws(ProtocolDecodingError) {
        try require(count, field)
        buffer.moveReaderIndex(forwardBy: count)
    }

    /// Takes everything left (for example a request body after its header).
    public mutating func rest() -> ByteBuffer {
        buffer.readSlice(length: remaining) ?? ByteBuffer()
    }

    // MARK: - Shared checks

    mutating func integer<T: FixedWidthInteger>(
        _ field: StaticString, as type: T.Type = T.self
    ) throws(ProtocolDecodingError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else {
            throw ProtocolDecodingError(field, .truncated(needed: MemoryLayout<T>.size, available: remaining))
        }
        return value
    }

    func require(_ count: Int, _ field: StaticString) throws(ProtocolDecodingError) {
        guard count >= 0 else { throw ProtocolDecodingError(field, .negativeLength(Int64(count))) }
        guard count <= remaining else {
            throw ProtocolDecodingError(field, .truncated(needed: count, available: remaining))
        }
    }

    /// Validates a decoded length (already known not to be null): not negative, within `limit`, within the bytes
    /// remaining — in that order, so an absurd length reports `tooLong` rather than `truncated`.
    func checkedLength(_ length: Int64, limit: Int, _ field: StaticString) throws(ProtocolDecodingError) -> Int {
        guard length >= 0 else { throw ProtocolDecodingError(field, .negativeLength(length)) }
        guard length <= Int64(limit) else { throw ProtocolDecodingError(field, .tooLong(length: length, limit: limit)) }
        let count = Int(length)
        try require(count, field)
        return count
    }
}
