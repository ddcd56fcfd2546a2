/// One record of a v2 batch (Kafka's `DefaultRecord`), as parsed by ``RecordIterator``: its absolute offset and
/// timestamp, and its key, value and headers as views into the bytes it was parsed from.
///
/// Layout of a record inside the batch's records section (all varints zigzag-encoded):
///
/// ```
/// length          varint   bytes of the record after this field
/// attributes      int8     unused in v2
/// timestampDelta  varlong  timestamp - baseTimestamp
/// offsetDelta     varint   offset - baseOffset
/// keyLength       varint   -1 = null key
/// key             bytes
/// valueLength     varint   -1 = null value
/// value           bytes
/// headerCount     varint
/// headers         each: varint key length, UTF-8 key, varint value length (-1 = null), value
/// ```
///
/// **Borrowed:** `key`, `value` and `headers` point into the buffer the iterator reads. Use them only inside the
/// `RecordBatch.withRecords` closure (or while the iterated bytes are alive) and copy what must outlive it.
public struct RecordView {
    /// `baseOffset + offsetDelta`.
    public let offset: Int64
    /// The producer's timestamp (`baseTimestamp + timestampDelta`), or with `LogAppendTime` the broker's, which is
    /// the batch's `maxTimestamp` for every record (Kafka's `DefaultRecordBatch` does the same).
    public let timestamp: Int64
    public let attributes: Int8
    public let key: UnsafeRawBufferPointer?
    public let value: UnsafeRawBufferPointer?
    public let headers: RecordHeaders

    /// The key copied out.
    public var keyBytes: [UInt8]? { key.map { Array($0) } }
    /// The value copied out.
    public var valueBytes: [UInt8]? { value.map { Array($0) } }
}

/// The headers of one record: `count` (key, value) pairs over bytes ``RecordIterator`` has already checked, so
/// iterating them cannot fail. Borrowed like ``RecordView``.
public struct RecordHeaders: Sequence {
    public typealias Element = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?)

    public let count: Int
    let bytes: UnsafeRawBufferPointer

    public func makeIterator() -> Iterator {
        Iterator(cursor: RecordCursor(bytes), remaining: count)
    }

    /// The headers copied out, keys decoded as UTF-8 (Kafka's header keys are Java strings).
    public var copied: [RecordBatchBuilder.Header] {
        map { RecordBatchBuilder.Header(key: String(decoding: $0.key, as: UTF8.self), value: $0.value.map { Array($0) }) }
    }

    public struct Iterator: IteratorProtocol {
        var cursor: RecordCursor
        var remaining: Int

        public mutating func next() -> Element? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            // Checked when the record was parsed; a failure here would mean the bytes changed underneath.
            do {
                if let key = try cursor.nullableBytes("header_key") {
                    return (key, try cursor.nullableBytes("header_value"))
                }
            } catch {}
            remaining = 0
            return nil
        }
    }
}

/// A bounds-checked read position in raw record bytes.
struct RecordCursor {
    let base: UnsafeRawBufferPointer
    var position = 0

    init(_ base: UnsafeRawBufferPointer) {
        self.base = base
    }

    var remaining: Int { base.count - position }

    mutating func int8(_ field: StaticString) throws(ProtocolDecodingError) -> Int8 {
        guard position < base.count else { throw ProtocolDecodingError(field, .truncated(needed: 1, available: 0)) }
        defer { position += 1 }
        return Int8(bitPattern: base[position])
    }

    mutating func varint(_ field: StaticString) throws(ProtocolDecodingError) -> Int32 {
        VarintDecoding.zigzag32(try VarintDecoding.raw(base, at: &position, maxBytes: 5, bits: 32, field))
    }

    mutating func varlong(_ field: StaticString) throws(ProtocolDecodingError) -> Int64 {
        VarintDecoding.zigzag64(try VarintDecoding.raw(base, at: &position, maxBytes: 10, bits: 64, field))
    }

    /// The next `count` bytes, after checking they are there.
    mutating func take(_ count: Int, _ field: StaticString) throws(ProtocolDecodingError) -> UnsafeRawBufferPointer {
        guard count >= 0 else { throw ProtocolDecodingError(field, .negativeLength(Int64(count))) }
        guard count <= remaining else { throw ProtocolDecodingError(field, .truncated(needed: count, available: remaining)) }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: base[position..<(position + count)])
    }

    /// A varint length (-1 = null) and that many bytes; nil for null.
    mutating func nullableBytes(_ field: StaticString) throws(ProtocolDecodingError) -> UnsafeRawBufferPointer? {
        let length = try varint(field)
        if length == -1 { return nil }
        return try take(Int(length), field)
    }
}
