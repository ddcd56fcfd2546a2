/// Reads the records of one v2 batch from its (uncompressed) records section, in order, the way Kafka's
/// `DefaultRecordBatch` iterator does; see ``RecordView`` for the layout.
///
/// Exactly `recordsCount` records are read. Every length is checked against the bytes left before it is used, each
/// record's fields must fill exactly its declared length, and bytes left after the last record are an error (as
/// in Kafka), so hostile input ends in a ``RecordDecodingError``, never a trap or an allocation. Iteration
/// allocates nothing; the views it returns borrow `bytes`.
///
/// Get one from ``RecordBatch/withRecords(in:maxDecompressedBytes:_:)``, which decompresses first when needed.
public struct RecordIterator {
    public let header: RecordBatchHeader
    private var cursor: RecordCursor
    /// Records read so far.
    public private(set) var index = 0

    /// An iterator over `records`, the records section of the batch `header` describes, already decompressed.
    ///
    /// - Throws: `.invalidRecordCount` when the header's count is negative.
    public init(header: RecordBatchHeader, records: UnsafeRawBufferPointer) throws(RecordDecodingError) {
        guard header.recordsCount >= 0 else {
            throw RecordDecodingError(baseOffset: header.baseOffset, kind: .invalidRecordCount(header.recordsCount))
        }
        self.header = header
        self.cursor = RecordCursor(records)
    }

    /// The next record, or nil after the last one.
    public mutating func next() throws(RecordDecodingError) -> RecordView? {
        guard index < Int(header.recordsCount) else { return nil }
        let record: RecordView
        do {
            record = try readRecord()
        } catch {
            throw RecordDecodingError(baseOffset: header.baseOffset, kind: .malformedRecord(index: index, error))
        }
        index += 1
        if index == Int(header.recordsCount), cursor.remaining > 0 {
            throw RecordDecodingError(baseOffset: header.baseOffset, kind: .bytesAfterLastRecord(count: cursor.remaining))
        }
        return record
    }

    private mutating func readRecord() throws(ProtocolDecodingError) -> RecordView {
        let length = try cursor.varint("record_length")
        var record = RecordCursor(try cursor.take(Int(length), "record"))
        let attributes = try record.int8("attributes")
        let timestampDelta = try record.varlong("timestamp_delta")
        let offsetDelta = try record.varint("offset_delta")
        let key = try record.nullableBytes("key")
        let value = try record.nullableBytes("value")
        let headerCount = Int(try record.varint("header_count"))
        // Each header takes at least two bytes, so the count cannot claim more than the record holds.
        guard headerCount >= 0, headerCount <= record.remaining / 2 else {
            throw ProtocolDecodingError("header_count", .invalidValue(Int64(headerCount)))
        }
        let headersStart = record.position
        for _ in 0..<headerCount {
            guard try record.nullableBytes("header_key") != nil else {
                throw ProtocolDecodingError("header_key", .unexpectedNull)
            }
            _ = try record.nullableBytes("header_value")
        }
        guard record.remaining == 0 else {
            // Kafka: "Invalid record size: expected to read N bytes in record payload, but instead read M".
            throw ProtocolDecodingError("record", .invalidValue(Int64(record.remaining)))
        }
        let headers = UnsafeRawBufferPointer(rebasing: record.base[headersStart...])
        let timestamp = header.timestampType == .logAppendTime ? header.maxTimestamp : header.baseTimestamp &+ timestampDelta
        return RecordView(
            offset: header.baseOffset &+ Int64(offsetDelta), timestamp: timestamp, attributes: attributes, key: key,
            value: value, headers: RecordHeaders(count: headerCount, bytes: headers))
    }
}

extension RecordBatch {
    /// Calls `body` with an iterator over the records of the batch at the start of `batch`, decompressing them
    /// first when the batch is compressed (into memory that lives until `body` returns, at most
    /// `maxDecompressedBytes`). Does not check the CRC: callers reading untrusted bytes check it first
    /// (``RecordBatches`` with `verifyingChecksums`); bytes beyond the batch's `sizeInBytes` are ignored.
    ///
    /// - Throws: `.batch` when `batch` does not start with a whole batch, `.decompression` when its records do not
    ///   decompress, and whatever the iterator or `body` throws.
    public static func withRecords<Value>(
        in batch: UnsafeRawBufferPointer, maxDecompressedBytes: Int = CompressionType.maxDecompressedBytesDefault,
        _ body: (inout RecordIterator) throws(RecordDecodingError) -> Value
    ) throws(RecordDecodingError) -> Value {
        let header: RecordBatchHeader
        do {
            header = try frame(batch, at: 0)
        } catch {
            throw RecordDecodingError(baseOffset: batch.count >= 8 ? batch.loadBigEndian(at: 0) : -1, kind: .batch(error))
        }
        let records = UnsafeRawBufferPointer(rebasing: batch[headerSize..<header.sizeInBytes])
        guard header.compression != .none else {
            var iterator = try RecordIterator(header: header, records: records)
            return try body(&iterator)
        }
        let plain: [UInt8]
        do {
            plain = try header.compression.decompress(records, maxOutputBytes: maxDecompressedBytes)
        } catch {
            throw RecordDecodingError(baseOffset: header.baseOffset, kind: .decompression(error))
        }
        return try plain.withUnsafeBytes { bytes in
            Result { () throws(RecordDecodingError) in
                var iterator = try RecordIterator(header: header, records: bytes)
                return try body(&iterator)
            }
        }.get()
    }
}
