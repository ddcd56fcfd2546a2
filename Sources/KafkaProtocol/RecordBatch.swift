/// Kafka's record batch, message format v2 (magic 2): the unit a producer sends, a segment stores and a fetch
/// returns. Gregor never decodes the records inside a batch on the produce or fetch path; it reads and rewrites
/// the fixed-size header in place. This namespace holds the layout, the validation the log runs on every append
/// (`validate`), and the in-place mutators (`setBaseOffset`, `setPartitionLeaderEpoch`, `setLogAppendTime`,
/// `assignOffsets`). For walking a buffer of many batches see ``RecordBatches``; for reading one header see
/// ``RecordBatchHeader``.
///
/// Layout (Kafka's `DefaultRecordBatch`), all integers big-endian:
///
/// ```
/// offset  size  field
///      0     8  baseOffset            first offset of the batch; 0 from producers, assigned by the leader
///      8     4  batchLength           bytes after this field, so sizeInBytes = batchLength + 12 (logOverhead)
///     12     4  partitionLeaderEpoch  set by the leader
///     16     1  magic                 2
///     17     4  crc                   CRC-32C of bytes [21, sizeInBytes), i.e. attributes to the end
///     21     2  attributes            bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
///                                     bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional,
///                                     bit 5 control batch
///     23     4  lastOffsetDelta       lastOffset - baseOffset
///     27     8  baseTimestamp         timestamp of the first record (Kafka's firstTimestamp)
///     35     8  maxTimestamp          largest record timestamp, or the broker's time with LogAppendTime
///     43     8  producerId            -1 when the producer is not idempotent
///     51     2  producerEpoch
///     53     4  baseSequence          -1 without idempotence
///     57     4  recordsCount
///     61        records (compressed as one block when the compression bits are set)
/// ```
///
/// Because the CRC starts at `attributes`, rewriting `baseOffset` and `partitionLeaderEpoch` (what the leader does
/// on every append) needs no CRC work; `setLogAppendTime` changes covered bytes and recomputes it.
public enum RecordBatch {
    /// The only magic (message format version) Gregor reads or writes.
    public static let currentMagic: Int8 = 2
    /// baseOffset + batchLength: the bytes in front of what `batchLength` counts (Kafka's `LOG_OVERHEAD`).
    public static let logOverhead = 12
    /// Size of the fixed header, which is also the smallest valid batch (Kafka's `RECORD_BATCH_OVERHEAD`).
    public static let headerSize = 61
    /// The smallest valid `batchLength`: a batch with a header and no records.
    public static let minimumBatchLength = Int32(headerSize - logOverhead)
    /// Kafka's `NO_TIMESTAMP`, used for "no max timestamp yet".
    public static let noTimestamp: Int64 = -1

    /// Byte positions of the header fields inside a batch.
    enum Field {
        static let baseOffset = 0
        static let batchLength = 8
        static let partitionLeaderEpoch = 12
        static let magic = 16
        static let crc = 17
        static let attributes = 21
        static let lastOffsetDelta = 23
        static let baseTimestamp = 27
        static let maxTimestamp = 35
        static let producerId = 43
        static let producerEpoch = 51
        static let baseSequence = 53
        static let recordsCount = 57
    }

    /// Bits of the attributes field.
    enum Attribute {
        static let compressionMask: Int16 = 0x07
        static let logAppendTime: Int16 = 0x08
        static let transactional: Int16 = 0x10
        static let control: Int16 = 0x20
    }
}
