extension RecordBatch {
    /// A v2 control batch holding the one record of `marker`, as Kafka's `MemoryRecords.withEndTransactionMarker`
    /// builds it: attributes transactional and control (uncompressed, CreateTime), `lastOffsetDelta` 0, base and
    /// max timestamp `timestampMs`, the producer's id and epoch, `baseSequence` -1 (markers take no sequence),
    /// `recordsCount` 1, the CRC-32C over attributes..end. `baseOffset` and `partitionLeaderEpoch` lie outside the
    /// CRC: the log sets them when it appends the batch.
    public static func controlBatch(
        marker: EndTransactionMarker, producerId: Int64, producerEpoch: Int16, timestampMs: Int64,
        partitionLeaderEpoch: Int32 = -1, baseOffset: Int64 = 0
    ) -> [UInt8] {
        let key = marker.key
        let value = marker.value
        var record: [UInt8] = [0]  // attributes: unused in v2
        Varint.appendZigZag(0, to: &record)  // timestampDelta
        Varint.appendZigZag(0, to: &record)  // offsetDelta
        Varint.appendZigZag(Int64(key.count), to: &record)
        record += key
        Varint.appendZigZag(Int64(value.count), to: &record)
        record += value
        Varint.appendZigZag(0, to: &record)  // no headers
        var records: [UInt8] = []
        Varint.appendZigZag(Int64(record.count), to: &records)
        records += record

        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize + records.count)
        bytes += BigEndianWriter.bytes(baseOffset)
        bytes += BigEndianWriter.bytes(Int32(headerSize - logOverhead + records.count))
        bytes += BigEndianWriter.bytes(partitionLeaderEpoch)
        bytes.append(UInt8(currentMagic))
        bytes += BigEndianWriter.bytes(UInt32(0))  // CRC, filled in below
        bytes += BigEndianWriter.bytes(Attribute.transactional | Attribute.control)
        bytes += BigEndianWriter.bytes(Int32(0))  // lastOffsetDelta
        bytes += BigEndianWriter.bytes(timestampMs)  // baseTimestamp
        bytes += BigEndianWriter.bytes(timestampMs)  // maxTimestamp
        bytes += BigEndianWriter.bytes(producerId)
        bytes += BigEndianWriter.bytes(producerEpoch)
        bytes += BigEndianWriter.bytes(Int32(-1))  // baseSequence
        bytes += BigEndianWriter.bytes(Int32(1))  // recordsCount
        bytes += records
        let crc = bytes[Field.attributes...].withUnsafeBytes { CRC32C.checksum($0) }
        bytes.replaceSubrange(Field.crc..<(Field.crc + 4), with: BigEndianWriter.bytes(crc))
        assert(bytes.count == headerSize + records.count)
        return bytes
    }

    /// The transaction marker in the control batch at the start of `batch` (what a follower appending its
    /// leader's batches and a log replaying its segments read; Kafka's `EndTransactionMarker.deserialize` of the
    /// batch's first record). Nil when its control record is of another type than COMMIT or ABORT. The CRC is
    /// not checked here: callers hold validated bytes.
    ///
    /// - Throws: when the bytes are not a whole control batch with a record whose key and value read as a marker.
    public static func endTransactionMarker(inControlBatch batch: UnsafeRawBufferPointer) throws(ControlRecordError) -> EndTransactionMarker? {
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(parsing: batch)
        } catch {
            throw ControlRecordError("\(error)")
        }
        guard header.isControl else { throw ControlRecordError("batch at offset \(header.baseOffset) is not a control batch") }
        // Kafka's broker always writes control batches uncompressed, but reads them through the same path as any
        // batch; so does this.
        let outcome: Result<EndTransactionMarker?, ControlRecordError>
        do throws(RecordDecodingError) {
            outcome = try withRecords(in: batch) { records throws(RecordDecodingError) in
                guard let record = try records.next() else {
                    return .failure(ControlRecordError("control batch at offset \(header.baseOffset) holds no record"))
                }
                guard let key = record.key else {
                    return .failure(ControlRecordError("control record at offset \(record.offset) has no key"))
                }
                return Result { () throws(ControlRecordError) in try EndTransactionMarker(key: key, value: record.value) }
            }
        } catch {
            throw ControlRecordError("\(error)")
        }
        return try outcome.get()
    }

    /// `endTransactionMarker(inControlBatch:)` over an array.
    public static func endTransactionMarker(inControlBatch batch: [UInt8]) throws(ControlRecordError) -> EndTransactionMarker? {
        let outcome = batch.withUnsafeBytes { bytes in
            Result { () throws(ControlRecordError) in try endTransactionMarker(inControlBatch: bytes) }
        }
        return try outcome.get()
    }
}
