/// Why a buffer of record batches was rejected, where, and what a Kafka broker answers for it.
///
/// `position` is the byte position of the offending batch in the buffer that was walked, so everything before it
/// is made of whole, valid batches ("valid up to byte `position`", which log recovery truncates to).
///
/// The error codes follow Kafka 2.8's produce path (`ProduceRequest.validateRecords`, `Log.analyzeAndValidateRecords`,
/// `LogValidator.validateBatch`), with two deliberate differences, both stricter and neither reachable by a
/// well-behaved client:
/// - A trailing partial batch is `.truncated` (CORRUPT_MESSAGE). Kafka's batch iterator silently stops at it and
///   the log trims the bytes; Gregor refuses to acknowledge bytes it will not store.
/// - An unknown compression id (5-7) is `.unknownCompression` (UNSUPPORTED_COMPRESSION_TYPE). Kafka throws an
///   `IllegalArgumentException` there, which clients see as UNKNOWN_SERVER_ERROR.
public struct RecordBatchError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The payload holds no batch at all (Kafka: INVALID_RECORD, "must have at least one record batch").
        case noBatches
        /// Fewer bytes remain than the batch (or the 12-byte size prefix, or the header) needs.
        case truncated(needed: Int, available: Int)
        /// `batchLength` is smaller than a header-only batch (Kafka's `RECORD_BATCH_OVERHEAD` check).
        case batchLengthTooSmall(Int32)
        /// A magic other than 2. Produce v3+ only carries v2 batches; Kafka answers INVALID_RECORD for magic 0/1
        /// and CORRUPT_MESSAGE for a magic it has never defined, and so does Gregor.
        case unsupportedMagic(Int8)
        /// Compression bits 5, 6 or 7, which no Kafka version defines.
        case unknownCompression(Int16)
        /// The stored CRC does not match the CRC-32C of attributes..end.
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// The batch is larger than `message.max.bytes` (Kafka: `RecordTooLargeException`, MESSAGE_TOO_LARGE).
        case batchTooLarge(sizeInBytes: Int, maxBatchBytes: Int)
        /// A second batch in a leader append: Kafka 2.8 accepts exactly one v2 batch per partition per produce.
        case multipleBatches
        /// A producer's batch must start at offset 0; the leader assigns the real ones.
        case nonZeroBaseOffset(Int64)
        /// lastOffsetDelta < 0, i.e. the batch claims an empty or negative offset range.
        case invalidOffsetRange(lastOffsetDelta: Int32)
        /// recordsCount <= 0 in a producer's batch.
        case invalidRecordCount(Int32)
        /// recordsCount != lastOffsetDelta + 1 in a producer's batch.
        case recordCountMismatch(lastOffsetDelta: Int32, recordsCount: Int32)
        /// Only the broker writes control batches (transaction markers).
        case controlBatchFromClient
        /// An idempotent batch (producerId >= 0) without a sequence number.
        case invalidSequence(producerId: Int64, baseSequence: Int32)
        /// A producer set the LogAppendTime bit (Kafka: INVALID_TIMESTAMP).
        case logAppendTimeFromProducer
    }

    /// Byte position of the offending batch in the walked buffer.
    public let position: Int
    public let kind: Kind

    public init(position: Int, kind: Kind) {
        self.position = position
        self.kind = kind
    }

    /// The error code a Kafka broker puts in the partition's produce response for this failure.
    public var errorCode: ErrorCode {
        switch kind {
        case .truncated, .batchLengthTooSmall, .checksumMismatch:
            .corruptMessage
        case .unsupportedMagic(let magic):
            magic == 0 || magic == 1 ? .invalidRecord : .corruptMessage
        case .unknownCompression:
            .unsupportedCompressionType
        case .batchTooLarge:
            .messageTooLarge
        case .logAppendTimeFromProducer:
            .invalidTimestamp
        case .noBatches, .multipleBatches, .nonZeroBaseOffset, .invalidOffsetRange, .invalidRecordCount,
            .recordCountMismatch, .controlBatchFromClient, .invalidSequence:
            .invalidRecord
        }
    }

    /// `errorCode.rawValue`, the `int16` that goes on the wire.
    public var kafkaErrorCode: Int16 {
        errorCode.rawValue
    }

    /// True when the bytes simply end inside a batch (a torn write at the end of a segment, or a short read),
    /// as opposed to bytes that are there but wrong.
    public var isIncompleteBatch: Bool {
        if case .truncated = kind { return true }
        return false
    }

    public var description: String {
        "record batch at byte \(position): \(reason) (\(errorCode))"
    }

    private var reason: String {
        switch kind {
        case .noBatches:
            "no record batch in the payload"
        case .truncated(let needed, let available):
            "incomplete batch: needs \(needed) bytes, \(available) remain"
        case .batchLengthTooSmall(let length):
            "batchLength \(length) is below the minimum \(RecordBatch.minimumBatchLength)"
        case .unsupportedMagic(let magic):
            "magic \(magic) is not supported (only \(RecordBatch.currentMagic))"
        case .unknownCompression(let id):
            "unknown compression type id \(id)"
        case .checksumMismatch(let stored, let computed):
            "CRC mismatch: stored \(hex(stored)), computed \(hex(computed))"
        case .batchTooLarge(let size, let max):
            "batch of \(size) bytes exceeds the maximum of \(max) (message.max.bytes)"
        case .multipleBatches:
            "a produce request may carry exactly one record batch per partition"
        case .nonZeroBaseOffset(let offset):
            "a producer's batch must have baseOffset 0, not \(offset)"
        case .invalidOffsetRange(let delta):
            "invalid offset range: lastOffsetDelta \(delta)"
        case .invalidRecordCount(let count):
            "invalid records count \(count)"
        case .recordCountMismatch(let delta, let count):
            "records count \(count) does not match lastOffsetDelta \(delta) + 1"
        case .controlBatchFromClient:
            "clients may not write control batches"
        case .invalidSequence(let producerId, let sequence):
            "idempotent batch of producer \(producerId) has invalid base sequence \(sequence)"
        case .logAppendTimeFromProducer:
            "producers may not set the LogAppendTime timestamp type"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
