/// The 61-byte header of one v2 record batch, copied out of the bytes (see ``RecordBatch`` for the layout).
///
/// Parsing reads only the header: it never touches the records and never checks the CRC (that is
/// ``RecordBatch/validate(_:maxBatchBytes:origin:)`` and ``RecordBatches`` with `verifyingChecksums`). A parsed header
/// always has magic 2, a known compression type and `sizeInBytes >= 61`; it does not promise that `sizeInBytes`
/// bytes are actually there.
public struct RecordBatchHeader: Sendable, Hashable {
    public let baseOffset: Int64
    /// Bytes after the length field; see `sizeInBytes`.
    public let batchLength: Int32
    public let partitionLeaderEpoch: Int32
    public let magic: Int8
    /// The stored CRC-32C of attributes..end.
    public let crc: UInt32
    public let attributes: Int16
    public let lastOffsetDelta: Int32
    /// Timestamp of the first record (Kafka's `firstTimestamp`).
    public let baseTimestamp: Int64
    public let maxTimestamp: Int64
    public let producerId: Int64
    public let producerEpoch: Int16
    public let baseSequence: Int32
    public let recordsCount: Int32
    /// Decoded from attributes bits 0-2; parsing rejects ids without a codec.
    public let compression: CompressionType

    /// Reads the header at the start of `bytes`.
    ///
    /// - Throws: `.truncated` with fewer than 61 bytes, `.unsupportedMagic` unless magic is 2,
    ///   `.batchLengthTooSmall` when `batchLength < 49`, `.unknownCompression` for compression ids 5-7; all with
    ///   `position` 0.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RecordBatchError) {
        try self.init(parsing: bytes, at: 0)
    }

    /// Reads the header of the batch starting at byte `position` of `bytes`; errors carry that position.
    init(parsing bytes: UnsafeRawBufferPointer, at position: Int) throws(RecordBatchError) {
        let available = bytes.count - position
        guard available >= RecordBatch.headerSize else {
            let kind = RecordBatchError.Kind.truncated(needed: RecordBatch.headerSize, available: available)
            throw RecordBatchError(position: position, kind: kind)
        }
        let magic: Int8 = bytes.loadBigEndian(at: position + RecordBatch.Field.magic)
        guard magic == RecordBatch.currentMagic else {
            throw RecordBatchError(position: position, kind: .unsupportedMagic(magic))
        }
        let batchLength: Int32 = bytes.loadBigEndian(at: position + RecordBatch.Field.batchLength)
        guard batchLength >= RecordBatch.minimumBatchLength else {
            throw RecordBatchError(position: position, kind: .batchLengthTooSmall(batchLength))
        }
        let attributes: Int16 = bytes.loadBigEndian(at: position + RecordBatch.Field.attributes)
        let compressionId = attributes & RecordBatch.Attribute.compressionMask
        guard let compression = CompressionType(rawValue: Int8(compressionId)) else {
            throw RecordBatchError(position: position, kind: .unknownCompression(compressionId))
        }
        self.magic = magic
        self.batchLength = batchLength
        self.attributes = attributes
        self.compression = compression
        baseOffset = bytes.loadBigEndian(at: position + RecordBatch.Field.baseOffset)
        partitionLeaderEpoch = bytes.loadBigEndian(at: position + RecordBatch.Field.partitionLeaderEpoch)
        crc = bytes.loadBigEndian(at: position + RecordBatch.Field.crc)
        lastOffsetDelta = bytes.loadBigEndian(at: position + RecordBatch.Field.lastOffsetDelta)
        baseTimestamp = bytes.loadBigEndian(at: position + RecordBatch.Field.baseTimestamp)
        maxTimestamp = bytes.loadBigEndian(at: position + RecordBatch.Field.maxTimestamp)
        producerId = bytes.loadBigEndian(at: position + RecordBatch.Field.producerId)
        producerEpoch = bytes.loadBigEndian(at: position + RecordBatch.Field.producerEpoch)
        baseSequence = bytes.loadBigEndian(at: position + RecordBatch.Field.baseSequence)
        recordsCount = bytes.loadBigEndian(at: position + RecordBatch.Field.recordsCount)
    }

    /// The whole batch on the wire and on disk: `batchLength + 12`.
    public var sizeInBytes: Int {
        Int(batchLength) + RecordBatch.logOverhead
    }

    /// Offset of the last record: `baseOffset + lastOffsetDelta`.
    public var lastOffset: Int64 {
        baseOffset + Int64(lastOffsetDelta)
    }

    /// The offset right after this batch.
    public var nextOffset: Int64 {
        lastOffset + 1
    }

    public var timestampType: TimestampType {
        attributes & RecordBatch.Attribute.logAppendTime != 0 ? .logAppendTime : .createTime
    }

    public var isTransactional: Bool {
        attributes & RecordBatch.Attribute.transactional != 0
    }

    /// A batch of transaction markers, written only by the broker.
    public var isControl: Bool {
        attributes & RecordBatch.Attribute.control != 0
    }

    /// Whether the producer is idempotent (Kafka's `hasProducerId`: producerId >= 0).
    public var hasProducerId: Bool {
        producerId >= 0
    }
}
