/// Builds a v2 record batch as a producer sends it (Kafka's `MemoryRecordsBuilder` for magic 2):
/// base offset 0, offsets and timestamps as deltas from the first record, CRC-32C over attributes..end; the
/// records uncompressed or compressed with one of Kafka's codecs.
///
/// For the `gregor produce` command, benchmarks and tests; the broker itself never builds batches, it stores what
/// producers send.
public struct RecordBatchBuilder: Sendable {
    public struct Header: Sendable, Hashable {
        public var key: String
        public var value: [UInt8]?

        public init(key: String, value: [UInt8]?) {
            self.key = key
            self.value = value
        }
    }

    public let baseTimestamp: Int64
    public var partitionLeaderEpoch: Int32
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    private var body: [UInt8] = []
    private var maxTimestamp: Int64
    public private(set) var recordCount = 0

    /// - Parameter baseTimestamp: the first record's timestamp; later records store theirs as deltas from it.
    public init(
        baseTimestamp: Int64, partitionLeaderEpoch: Int32 = -1, producerId: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1
    ) {
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = .min
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
    }

    /// Bytes of records appended so far, without the batch header.
    public var recordBytes: Int { body.count }

    /// Adds a record with the next offset delta; `timestamp` defaults to the base timestamp.
    public mutating func append(key: [UInt8]?, value: [UInt8]?, headers: [Header] = [], timestamp: Int64? = nil) {
        let timestamp = timestamp ?? baseTimestamp
        maxTimestamp = max(maxTimestamp, timestamp)
        var record: [UInt8] = [0]  // attributes: unused in v2
        Varint.appendZigZag(timestamp - baseTimestamp, to: &record)
        Varint.appendZigZag(Int64(recordCount), to: &record)
        Self.appendBytes(key, to: &record)
        Self.appendBytes(value, to: &record)
        Varint.appendZigZag(Int64(headers.count), to: &record)
        for header in headers {
            Self.appendBytes(Array(header.key.utf8), to: &record)
            Self.appendBytes(header.value, to: &record)
        }
        Varint.appendZigZag(Int64(record.count), to: &body)
        body += record
        recordCount += 1
    }

    /// The batch, uncompressed; at least one record must have been appended (Kafka rejects empty batches).
    public func build() -> [UInt8] {
        assemble(records: body, compression: .none)
    }

    /// The batch with its records section compressed by `compression` (Kafka compresses all records of a batch as
    /// one block after the header; `recordsCount` stays in the header, uncompressed).
    public func build(compression: CompressionType) throws(CompressionError) -> [UInt8] {
        guard compression != .none else { return build() }
        return assemble(records: try compression.compress(body), compression: compression)
    }

    private func assemble(records: [UInt8], compression: CompressionType) -> [UInt8] {
        precondition(recordCount > 0, "a record batch holds at least one record")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(RecordBatch.headerSize + records.count)
        Self.append(Int64(0), to: &bytes)
        Self.append(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + records.count), to: &bytes)
        Self.append(partitionLeaderEpoch, to: &bytes)
        bytes.append(UInt8(RecordBatch.currentMagic))
        Self.append(UInt32(0), to: &bytes)  // CRC, filled in below
        Self.append(Int16(compression.rawValue), to: &bytes)  // attributes: the codec, CreateTime
        Self.append(Int32(recordCount - 1), to: &bytes)
        Self.append(baseTimestamp, to: &bytes)
        Self.append(maxTimestamp, to: &bytes)
        Self.append(producerId, to: &bytes)
        Self.append(producerEpoch, to: &bytes)
        Self.append(baseSequence, to: &bytes)
        Self.append(Int32(recordCount), to: &bytes)
        bytes += records
        let crc = bytes[21...].withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: crc.bigEndian) { bytes.replaceSubrange(17..<21, with: $0) }
        return bytes
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A varint length (-1 for null) and the bytes.
    private static func appendBytes(_ field: [UInt8]?, to bytes: inout [UInt8]) {
        guard let field else {
            Varint.appendZigZag(-1, to: &bytes)
            return
        }
        Varint.appendZigZag(Int64(field.count), to: &bytes)
        bytes += field
    }
}

/// Kafka's zigzag variable-length integers (records and their headers use them for every length and delta).
enum Varint {
    static func appendZigZag(_ value: Int64, to bytes: inout [UInt8]) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        bytes.append(UInt8(zigzag))
    }
}
