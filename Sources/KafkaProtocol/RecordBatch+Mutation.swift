/// In-place rewrites the leader does on append, on the bytes that will be written to the segment.
///
/// Contract for all of them: the buffer starts with a batch that ``RecordBatch/validate(_:maxBatchBytes:origin:)``
/// (or ``RecordBatches``) accepted; passing anything else is a programmer error and traps. None allocates.
extension RecordBatch {
    /// Sets `baseOffset`. Not covered by the CRC, so the CRC stays valid.
    public static func setBaseOffset(_ baseOffset: Int64, in batch: UnsafeMutableRawBufferPointer) {
        precondition(batch.count >= headerSize, "not a record batch: \(batch.count) bytes")
        batch.storeBigEndian(baseOffset, at: Field.baseOffset)
    }

    /// Sets `partitionLeaderEpoch`. Not covered by the CRC, so the CRC stays valid.
    public static func setPartitionLeaderEpoch(_ epoch: Int32, in batch: UnsafeMutableRawBufferPointer) {
        precondition(batch.count >= headerSize, "not a record batch: \(batch.count) bytes")
        batch.storeBigEndian(epoch, at: Field.partitionLeaderEpoch)
    }

    /// Stamps the batch with the broker's clock for a topic with `message.timestamp.type=LogAppendTime`, as Kafka's
    /// `DefaultRecordBatch.setMaxTimestamp(LOG_APPEND_TIME, timestampMs)` does: the attributes are rewritten
    /// from (compression, LogAppendTime, transactional, control), which clears undefined bits as Kafka does,
    /// `maxTimestamp` is set, and the CRC recomputed. A batch already stamped with this time is left untouched.
    /// Record timestamps are not rewritten: with LogAppendTime, readers take every record's timestamp from
    /// `maxTimestamp`.
    public static func setLogAppendTime(_ timestampMs: Int64, in batch: UnsafeMutableRawBufferPointer) {
        precondition(batch.count >= headerSize, "not a record batch: \(batch.count) bytes")
        let size = Int(batch.loadBigEndian(at: Field.batchLength, as: Int32.self)) + logOverhead
        precondition(size >= headerSize && size <= batch.count, "batch of \(size) bytes in a buffer of \(batch.count)")
        let attributes: Int16 = batch.loadBigEndian(at: Field.attributes)
        let stamped = attributes & (Attribute.compressionMask | Attribute.transactional | Attribute.control)
            | Attribute.logAppendTime
        let current: Int64 = batch.loadBigEndian(at: Field.maxTimestamp)
        if attributes & Attribute.logAppendTime != 0 && current == timestampMs {
            return
        }
        batch.storeBigEndian(stamped, at: Field.attributes)
        batch.storeBigEndian(timestampMs, at: Field.maxTimestamp)
        let covered = UnsafeRawBufferPointer(rebasing: batch[Field.attributes..<size])
        batch.storeBigEndian(CRC32C.checksum(covered), at: Field.crc)
    }

    /// Assigns offsets to every batch of a validated payload in one pass, starting at `firstOffset`: each batch
    /// gets `baseOffset = next` and the next batch starts at `next + lastOffsetDelta + 1`, which is Kafka's
    /// `setLastOffset(counter - 1)`. Also sets `partitionLeaderEpoch` and, for LogAppendTime topics, stamps each
    /// batch (see `setLogAppendTime`) when those are given, so the bytes are walked once.
    ///
    /// - Returns: the last offset assigned (`firstOffset + offsetCount - 1`), i.e. the new log end offset minus one.
    @discardableResult
    public static func assignOffsets(
        in batches: UnsafeMutableRawBufferPointer,
        firstOffset: Int64,
        partitionLeaderEpoch: Int32? = nil,
        logAppendTimeMs: Int64? = nil
    ) -> Int64 {
        var nextOffset = firstOffset
        var position = 0
        while position < batches.count {
            precondition(batches.count - position >= headerSize, "truncated record batch at byte \(position)")
            let size = Int(batches.loadBigEndian(at: position + Field.batchLength, as: Int32.self)) + logOverhead
            precondition(size >= headerSize && size <= batches.count - position, "invalid batch at byte \(position)")
            let lastOffsetDelta: Int32 = batches.loadBigEndian(at: position + Field.lastOffsetDelta)
            precondition(lastOffsetDelta >= 0, "negative lastOffsetDelta at byte \(position)")
            let batch = UnsafeMutableRawBufferPointer(rebasing: batches[position..<(position + size)])
            batch.storeBigEndian(nextOffset, at: Field.baseOffset)
            if let partitionLeaderEpoch {
                batch.storeBigEndian(partitionLeaderEpoch, at: Field.partitionLeaderEpoch)
            }
            if let logAppendTimeMs {
                setLogAppendTime(logAppendTimeMs, in: batch)
            }
            nextOffset += Int64(lastOffsetDelta) + 1
            position += size
        }
        return nextOffset - 1
    }
}
