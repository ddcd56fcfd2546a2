/// Who is appending: the checks Kafka 2.8 runs depend on it (Kafka's `AppendOrigin`).
public enum AppendOrigin: Sendable, Hashable {
    /// A producer's Produce request to the leader: every check, including the per-producer ones.
    case client
    /// The broker itself appending to its leader log (e.g. a coordinator): leader checks without the client ones.
    case coordinator
    /// A follower appending what it fetched from the leader: framing, magic, size and CRC only; several batches
    /// and leader-assigned offsets are expected.
    case replication

    public var isLeaderAppend: Bool {
        self != .replication
    }
}

extension RecordBatch {
    /// What the log needs from a validated payload to assign offsets and update its indexes.
    public struct ValidationSummary: Sendable, Hashable {
        public internal(set) var batchCount = 0
        /// Bytes of all batches, which is the whole payload.
        public internal(set) var byteCount = 0
        /// Offsets the batches occupy, the sum of `lastOffsetDelta + 1`: how Kafka counts the offsets to assign.
        /// For producer batches it equals the number of records (`recordsCount == lastOffsetDelta + 1` is checked).
        public internal(set) var offsetCount: Int64 = 0
        /// `baseOffset` of the first batch as found in the payload (0 from producers, the leader's from a fetch).
        public internal(set) var firstBaseOffset: Int64 = 0
        /// `lastOffset` of the last batch as found in the payload.
        public internal(set) var lastOffset: Int64 = -1
        /// Whether each batch's lastOffset is greater than the previous one's, as found in the payload (a follower
        /// must not append offsets that go backwards).
        public internal(set) var offsetsMonotonic = true
        /// `baseTimestamp` of the first batch.
        public internal(set) var firstTimestamp: Int64 = RecordBatch.noTimestamp
        /// The largest batch `maxTimestamp`, or `noTimestamp`. With LogAppendTime the broker's clock replaces it.
        public internal(set) var maxTimestamp: Int64 = RecordBatch.noTimestamp
        /// Offset of the last record of the (first) batch holding `maxTimestamp`, relative to the first offset
        /// assigned to the payload; -1 without a timestamp. The time index entry is at `firstOffset + this`.
        public internal(set) var maxTimestampOffsetDelta: Int64 = -1
        /// Byte position of the batch holding `maxTimestamp`; -1 without a timestamp.
        public internal(set) var maxTimestampBatchPosition = -1
        /// The last compression codec other than `.none` seen, or `.none` (Kafka's `sourceCodec`).
        public internal(set) var sourceCompression = CompressionType.none

        public var isCompressed: Bool {
            sourceCompression != .none
        }
    }

    /// Validates the batches of an append without decoding records: what Kafka 2.8 checks shallowly in
    /// `ProduceRequest.validateRecords`, `Log.analyzeAndValidateRecords` and `LogValidator.validateBatch`.
    ///
    /// Every origin: at least one batch; each batch whole (`batchLength >= 49` and all its bytes present: a
    /// trailing partial batch is rejected, see ``RecordBatchError``); magic 2; a known compression id;
    /// `sizeInBytes <= maxBatchBytes` (`message.max.bytes`; a follower passes `Int.max`, as Kafka skips this for
    /// replication); the CRC; `lastOffsetDelta >= 0` (Kafka checks this for clients only, but no writer produces
    /// anything else and offset counting depends on it). Leader appends (`.client`, `.coordinator`) also: exactly
    /// one batch, and no LogAppendTime bit on a batch with records. `.client` also: `baseOffset == 0`,
    /// `recordsCount > 0`, `recordsCount == lastOffsetDelta + 1`, not a control batch, and an idempotent batch
    /// (producerId >= 0) has `baseSequence >= 0`.
    ///
    /// Not checked here because they need the records (Kafka decodes them): per-record timestamps against
    /// `message.timestamp.difference.max.ms`, keys on compacted topics, the records really numbering
    /// `recordsCount`. Nor the request-level "zstd needs Produce v7+" rule: the caller knows the API version
    /// and `sourceCompression`.
    ///
    /// Runs in one pass with no allocation; the CRC is the only per-byte work.
    public static func validate(
        _ bytes: UnsafeRawBufferPointer, maxBatchBytes: Int, origin: AppendOrigin = .client
    ) throws(RecordBatchError) -> ValidationSummary {
        guard !bytes.isEmpty else { throw RecordBatchError(position: 0, kind: .noBatches) }
        var summary = ValidationSummary()
        var position = 0
        while position < bytes.count {
            let header = try frame(bytes, at: position)
            if position > 0 && origin.isLeaderAppend {
                throw RecordBatchError(position: position, kind: .multipleBatches)
            }
            if origin == .client && header.baseOffset != 0 {
                throw RecordBatchError(position: position, kind: .nonZeroBaseOffset(header.baseOffset))
            }
            let size = header.sizeInBytes
            guard size <= maxBatchBytes else {
                let kind = RecordBatchError.Kind.batchTooLarge(sizeInBytes: size, maxBatchBytes: maxBatchBytes)
                throw RecordBatchError(position: position, kind: kind)
            }
            try verifyChecksum(of: header, in: bytes, at: position)
            guard header.lastOffsetDelta >= 0 else {
                let kind = RecordBatchError.Kind.invalidOffsetRange(lastOffsetDelta: header.lastOffsetDelta)
                throw RecordBatchError(position: position, kind: kind)
            }
            if origin == .client {
                try checkProducerBatch(header, at: position)
            }
            if origin.isLeaderAppend && header.timestampType == .logAppendTime && header.recordsCount > 0 {
                throw RecordBatchError(position: position, kind: .logAppendTimeFromProducer)
            }
            summary.add(header, at: position)
            position += size
        }
        return summary
    }

    /// `LogValidator.validateBatch`'s checks for `AppendOrigin.Client`.
    /// (`lastOffsetDelta >= 0` was checked for every origin before.)
    private static func checkProducerBatch(_ header: RecordBatchHeader, at position: Int) throws(RecordBatchError) {
        guard header.recordsCount > 0 else {
            throw RecordBatchError(position: position, kind: .invalidRecordCount(header.recordsCount))
        }
        guard Int64(header.recordsCount) == Int64(header.lastOffsetDelta) + 1 else {
            throw RecordBatchError(
                position: position,
                kind: .recordCountMismatch(lastOffsetDelta: header.lastOffsetDelta, recordsCount: header.recordsCount))
        }
        guard !header.isControl else {
            throw RecordBatchError(position: position, kind: .controlBatchFromClient)
        }
        if header.hasProducerId && header.baseSequence < 0 {
            throw RecordBatchError(
                position: position,
                kind: .invalidSequence(producerId: header.producerId, baseSequence: header.baseSequence))
        }
    }
}

extension RecordBatch.ValidationSummary {
    /// Accounts for one validated batch, as `Log.analyzeAndValidateRecords` does.
    mutating func add(_ header: RecordBatchHeader, at position: Int) {
        if batchCount == 0 {
            firstBaseOffset = header.baseOffset
            firstTimestamp = header.baseTimestamp
        } else if lastOffset >= header.lastOffset {
            offsetsMonotonic = false
        }
        lastOffset = header.lastOffset
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            maxTimestampOffsetDelta = offsetCount + Int64(header.lastOffsetDelta)
            maxTimestampBatchPosition = position
        }
        offsetCount += Int64(header.lastOffsetDelta) + 1
        if header.compression != .none {
            sourceCompression = header.compression
        }
        batchCount += 1
        byteCount = position + header.sizeInBytes
    }
}
