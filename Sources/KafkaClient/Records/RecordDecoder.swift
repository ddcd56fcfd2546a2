import KafkaProtocol
import NIOCore

/// Decodes the records of fetched v2 record batches (Kafka's `DefaultRecord` inside `DefaultRecordBatch`), the
/// client-side counterpart of `RecordBatchBuilder`. The broker never does this on its produce or fetch path; the
/// CLI consumer and tests do.
///
/// Batches are checksummed before decoding (Kafka's consumer default, `check.crcs=true`), then read with
/// KafkaProtocol's `RecordIterator`, which decompresses all four of Kafka's codecs (gzip, snappy in xerial framing
/// or raw, lz4 frames, zstd) with a cap on the decompressed size, and bounds-checks every record, so a corrupt or
/// hostile batch fails with `.corruptRecords` rather than a trap or a large allocation. A trailing partial batch is
/// normal in a fetch response (the broker cuts at `max_bytes`) and is skipped. Control batches (transaction
/// markers) carry no user records and are skipped.
public enum RecordDecoder {
    /// The records of every whole batch in `buffer` with offset >= `fromOffset` (a fetch may return a batch that
    /// starts before the offset asked for).
    ///
    /// - Parameter abortedTransactions: for a read_committed fetch, the response's aborted transactions: the
    ///   batches of each such producer from its first offset up to its ABORT marker are dropped, as Kafka's
    ///   consumer does (`Fetcher.nextFetchedRecord` with `abortedProducerIds`).
    public static func decode(
        _ buffer: ByteBuffer, partition: Int32, fromOffset: Int64 = 0,
        abortedTransactions: [(producerId: Int64, firstOffset: Int64)]? = nil,
        maxDecompressedBytes: Int = CompressionType.maxDecompressedBytesDefault
    ) throws(KafkaClientError) -> DecodedRecords {
        let decoded = buffer.withUnsafeReadableBytes { bytes -> Result<DecodedRecords, KafkaClientError> in
            Result { () throws(KafkaClientError) in
                try decode(
                    bytes, partition: partition, fromOffset: fromOffset,
                    aborted: AbortedTransactionFilter(abortedTransactions), maxDecompressedBytes: maxDecompressedBytes)
            }
        }
        return try decoded.get()
    }

    private static func decode(
        _ bytes: UnsafeRawBufferPointer, partition: Int32, fromOffset: Int64, aborted: AbortedTransactionFilter?,
        maxDecompressedBytes: Int
    ) throws(KafkaClientError) -> DecodedRecords {
        var result = DecodedRecords()
        var aborted = aborted
        var iterator = RecordBatches(bytes, verifyingChecksums: true).makeIterator()
        while let (header, range) = iterator.next() {
            result.nextOffset = max(result.nextOffset ?? header.nextOffset, header.nextOffset)
            if aborted?.skips(header) == true { continue }
            guard !header.isControl, header.lastOffset >= fromOffset else { continue }
            do {
                try RecordBatch.withRecords(
                    in: UnsafeRawBufferPointer(rebasing: bytes[range]), maxDecompressedBytes: maxDecompressedBytes
                ) { records throws(RecordDecodingError) in
                    while let record = try records.next() {
                        guard record.offset >= fromOffset else { continue }
                        result.records.append(ConsumerRecord(
                            partition: partition, offset: record.offset, timestamp: record.timestamp,
                            timestampType: header.timestampType, key: record.keyBytes, value: record.valueBytes,
                            headers: record.headers.copied))
                    }
                }
            } catch {
                throw .corruptRecords(reason: "\(error)")
            }
        }
        if let reason = iterator.stopReason, !reason.isIncompleteBatch {
            throw .corruptRecords(reason: "\(reason)")
        }
        return result
    }
}

/// What `RecordDecoder.decode` found in a fetch response's records.
public struct DecodedRecords: Sendable, Hashable {
    /// Records at or after the requested offset, in offset order.
    public var records: [ConsumerRecord] = []
    /// The offset after the last whole batch (control batches included); nil if there was no whole batch.
    public var nextOffset: Int64?

    public init(records: [ConsumerRecord] = [], nextOffset: Int64? = nil) {
        self.records = records
        self.nextOffset = nextOffset
    }
}

/// Kafka's read_committed filtering in the consumer: a producer becomes "aborted" when the fetch reaches the first
/// offset of one of its aborted transactions, its transactional batches are skipped until its ABORT marker.
struct AbortedTransactionFilter {
    /// The response's aborted transactions by first offset (ascending); those before `reached` have been met.
    private let upcoming: [(producerId: Int64, firstOffset: Int64)]
    private var reached = 0
    private var abortedProducers: Set<Int64> = []

    init?(_ transactions: [(producerId: Int64, firstOffset: Int64)]?) {
        guard let transactions else { return nil }
        upcoming = transactions.sorted { $0.firstOffset < $1.firstOffset }
    }

    /// Whether the batch must be skipped; consumes the markers and transaction starts it passes.
    mutating func skips(_ header: RecordBatchHeader) -> Bool {
        while reached < upcoming.count, upcoming[reached].firstOffset <= header.lastOffset {
            abortedProducers.insert(upcoming[reached].producerId)
            reached += 1
        }
        guard header.isTransactional, abortedProducers.contains(header.producerId) else { return false }
        if header.isControl {
            // Only an ABORT marker can end an aborted transaction; the marker itself is skipped either way.
            abortedProducers.remove(header.producerId)
        }
        return true
    }
}
