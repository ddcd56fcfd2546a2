import KafkaProtocol
import NIOCore

/// Decodes the records of fetched v2 record batches (Kafka's `DefaultRecord` inside `DefaultRecordBatch`), the
/// client-side counterpart of `RecordBatchBuilder`. The broker never does this; the CLI consumer and tests do.
///
/// Per record: varint length, int8 attributes, varlong timestampDelta, varint offsetDelta, varint key length + key
/// (-1 = null), varint value length + value, varint header count, then per header varint key length + UTF-8 key and
/// varint value length + value. Each record's declared length must match the bytes its fields take, and every
/// count is bounded by the bytes left, so a corrupt batch fails with an error rather than a large allocation.
///
/// Batches are checksummed before decoding (Kafka's consumer default, `check.crcs=true`). A trailing partial batch
/// is normal in a fetch response (the broker cuts at `max_bytes`) and is skipped. Control batches (transaction
/// markers) carry no user records and are skipped. gzip batches are inflated with zlib; other codecs fail with
/// `.unsupportedCompression`.
public enum RecordDecoder {
    /// The records of every whole batch in `buffer` with offset >= `fromOffset` (a fetch may return a batch that
    /// starts before the offset asked for).
    public static func decode(
        _ buffer: ByteBuffer, partition: Int32, fromOffset: Int64 = 0
    ) throws(KafkaClientError) -> DecodedRecords {
        var result = DecodedRecords()
        var failure: KafkaClientError?
        buffer.withUnsafeReadableBytes { bytes in
            var iterator = RecordBatches(bytes, verifyingChecksums: true).makeIterator()
            while let (header, range) = iterator.next() {
                result.nextOffset = max(result.nextOffset ?? header.nextOffset, header.nextOffset)
                guard !header.isControl, header.lastOffset >= fromOffset else { continue }
                let recordsStart = range.lowerBound + RecordBatch.headerSize
                let body = buffer.getSlice(
                    at: buffer.readerIndex + recordsStart, length: range.upperBound - recordsStart) ?? ByteBuffer()
                do throws(KafkaClientError) {
                    let records = try decodeRecords(of: header, body: body, partition: partition)
                    result.records += records.filter { $0.offset >= fromOffset }
                } catch {
                    failure = error
                    return
                }
            }
            if let reason = iterator.stopReason, !reason.isIncompleteBatch {
                failure = .corruptRecords(reason: "\(reason)")
            }
        }
        if let failure { throw failure }
        return result
    }

    /// The records of one batch, whose records section (after the 61-byte header) is `body`.
    static func decodeRecords(
        of header: RecordBatchHeader, body: ByteBuffer, partition: Int32
    ) throws(KafkaClientError) -> [ConsumerRecord] {
        let plain: ByteBuffer
        switch header.compression {
        case .none: plain = body
        case .gzip: plain = try Gzip.inflate(body)
        default: throw .unsupportedCompression(header.compression.name)
        }
        var reader = KafkaReader(buffer: plain)
        var records: [ConsumerRecord] = []
        // Each record takes at least 7 bytes, so the count the header claims cannot force a large reservation.
        records.reserveCapacity(min(Int(max(header.recordsCount, 0)), plain.readableBytes / 7))
        do {
            for _ in 0..<max(header.recordsCount, 0) {
                records.append(try decodeRecord(&reader, header: header, partition: partition))
            }
        } catch {
            throw .corruptRecords(reason: "batch at offset \(header.baseOffset): \(error)")
        }
        return records
    }

    private static func decodeRecord(
        _ reader: inout KafkaReader, header: RecordBatchHeader, partition: Int32
    ) throws(ProtocolDecodingError) -> ConsumerRecord {
        let length = Int(try reader.varint("record_length"))
        var record = KafkaReader(buffer: try reader.slice(length, "record"), limits: reader.limits)
        _ = try record.int8("attributes")
        let timestampDelta = try record.varlong("timestamp_delta")
        let offsetDelta = try record.varint("offset_delta")
        let key = try varintBytes(&record, "key")
        let value = try varintBytes(&record, "value")
        let headerCount = Int(try record.varint("header_count"))
        guard headerCount >= 0, headerCount <= record.remaining / 2 else {
            throw ProtocolDecodingError(field: "header_count", kind: .invalidValue(Int64(headerCount)))
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(headerCount)
        for _ in 0..<headerCount {
            guard let keyBytes = try varintBytes(&record, "header_key") else {
                throw ProtocolDecodingError(field: "header_key", kind: .unexpectedNull)
            }
            headers.append(RecordHeader(key: String(decoding: keyBytes, as: UTF8.self),
                                        value: try varintBytes(&record, "header_value")))
        }
        guard record.remaining == 0 else {
            throw ProtocolDecodingError(field: "record", kind: .invalidValue(Int64(record.remaining)))
        }
        let timestamp = header.timestampType == .logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta
        return ConsumerRecord(
            partition: partition, offset: header.baseOffset + Int64(offsetDelta), timestamp: timestamp,
            timestampType: header.timestampType, key: key, value: value, headers: headers)
    }

    /// A varint length (-1 = null) and that many bytes.
    private static func varintBytes(
        _ reader: inout KafkaReader, _ field: StaticString
    ) throws(ProtocolDecodingError) -> [UInt8]? {
        let length = try reader.varint(field)
        if length == -1 { return nil }
        guard length >= 0 else { throw ProtocolDecodingError(field: "\(field)", kind: .negativeLength(Int64(length))) }
        let slice = try reader.slice(Int(length), field)
        return Array(slice.readableBytesView)
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
