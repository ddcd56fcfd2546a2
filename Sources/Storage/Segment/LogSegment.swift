import Foundation
import KafkaProtocol

/// One segment of a partition log (Kafka's `LogSegment`): `<base>.log` holding whole record batches, the sparse
/// `<base>.index` (offset -> file position, one entry per `index.interval.bytes` appended) and `<base>.timeindex`
/// (max timestamp -> offset), and `<base>.txnindex` (its aborted transactions, once it has one).
///
/// Concurrency: mutations (append, truncate, recover, roll) come from the owning `Log` under its lock; reads
/// (`read`, `translateOffset`, `findOffset(byTimestamp:startingOffset:)`) run concurrently and only see bytes below the size
/// published by the last append.
final class LogSegment: @unchecked Sendable {
    let baseOffset: Int64
    let file: SegmentFile
    let offsetIndex: OffsetIndex
    let timeIndex: TimeIndex
    let txnIndex: TransactionIndex
    let indexIntervalBytes: Int
    /// Wall-clock creation time, for `segment.ms` rolling.
    let createdMs: Int64

    // Guarded by the owning log's lock.
    private(set) var bytesSinceLastIndexEntry = 0
    private(set) var maxTimestampSoFar: Int64 = RecordBatch.noTimestamp
    private(set) var offsetOfMaxTimestampSoFar: Int64 = -1

    init(
        baseOffset: Int64, file: SegmentFile, offsetIndex: OffsetIndex, timeIndex: TimeIndex, txnIndex: TransactionIndex,
        indexIntervalBytes: Int, createdMs: Int64
    ) {
        self.baseOffset = baseOffset
        self.file = file
        self.offsetIndex = offsetIndex
        self.timeIndex = timeIndex
        self.txnIndex = txnIndex
        self.indexIntervalBytes = indexIntervalBytes
        self.createdMs = createdMs
        let last = timeIndex.lastEntry
        if last.timestamp >= 0 {
            maxTimestampSoFar = last.timestamp
            offsetOfMaxTimestampSoFar = last.offset
        }
    }

    /// Opens or creates the three files of the segment (the `.txnindex` is read when it exists) starting at `baseOffset` in `directory`. The `.log` file's
    /// descriptor stays open and comes out of the process's `FileDescriptorBudget` for `use` (the indexes are
    /// mapped and their descriptors closed).
    static func open(
        directory: String, baseOffset: Int64, config: LogConfig, create: Bool, use: FileDescriptorBudget.Use,
        descriptors: FileDescriptorBudget
    ) throws -> LogSegment {
        let prefix = directory + "/" + LogFileNames.filenamePrefix(offset: baseOffset)
        let file = try SegmentFile(path: prefix + LogFileNames.logSuffix, create: create, use: use, budget: descriptors)
        let offsetIndex = try OffsetIndex(
            file: prefix + LogFileNames.indexSuffix, baseOffset: baseOffset, maxIndexSizeBytes: config.maxIndexSizeBytes, writable: true)
        let timeIndex = try TimeIndex(
            file: prefix + LogFileNames.timeIndexSuffix, baseOffset: baseOffset, maxIndexSizeBytes: config.maxIndexSizeBytes, writable: true)
        let txnIndex = try TransactionIndex(path: prefix + LogFileNames.txnIndexSuffix)
        return LogSegment(
            baseOffset: baseOffset, file: file, offsetIndex: offsetIndex, timeIndex: timeIndex, txnIndex: txnIndex,
            indexIntervalBytes: config.indexIntervalBytes, createdMs: Self.nowMs())
    }

    var sizeInBytes: Int { file.sizeInBytes }

    /// The largest timestamp of the segment, for time-based retention; the file's modification time when no
    /// batch carried a timestamp (Kafka's rule).
    var largestTimestamp: Int64 {
        if maxTimestampSoFar >= 0 { return maxTimestampSoFar }
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        let modified = (attributes?[.modificationDate] as? Date) ?? Date()
        return Int64(modified.timeIntervalSince1970 * 1000)
    }

    /// Appends batches whose offsets were already assigned; `largestOffset` is the last offset they hold.
    func append(
        largestOffset: Int64, largestTimestamp: Int64, shallowOffsetOfMaxTimestamp: Int64,
        records: RecordsToWrite
    ) throws {
        precondition(largestOffset - baseOffset <= Int64(Int32.max), "relative offset overflow: the log must roll first")
        let position = file.sizeInBytes
        try file.append(records)
        if largestTimestamp > maxTimestampSoFar {
            maxTimestampSoFar = largestTimestamp
            offsetOfMaxTimestampSoFar = shallowOffsetOfMaxTimestamp
        }
        if bytesSinceLastIndexEntry > indexIntervalBytes {
            try offsetIndex.append(offset: largestOffset, position: Int32(position))
            try timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar)
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += records.count
    }

    /// Where the batch holding `offset` (or the first batch after it) starts: a sparse-index lookup plus a short
    /// scan of batch headers. Nil when the segment has no batch with last offset >= `offset`.
    func translateOffset(_ offset: Int64, from startingPosition: Int? = nil) throws -> BatchPosition? {
        var position = startingPosition ?? Int(offsetIndex.lookup(targetOffset: offset).position)
        let end = file.sizeInBytes
        while let header = try readHeader(at: position, limit: end) {
            if header.lastOffset >= offset {
                return BatchPosition(baseOffset: header.baseOffset, lastOffset: header.lastOffset, position: position, size: header.sizeInBytes)
            }
            position += header.sizeInBytes
        }
        return nil
    }

    /// Whole batches from the one holding `startOffset`, at most `maxSize` bytes and never past `maxPosition`;
    /// with `minOneBatch`, the first batch is returned whole even when larger than `maxSize` (KIP-74).
    func read(startOffset: Int64, maxSize: Int, maxPosition: Int, minOneBatch: Bool) throws -> FileSlice? {
        guard let first = try translateOffset(startOffset), first.position < maxPosition else { return nil }
        let limit = min(maxPosition, first.position + max(maxSize, minOneBatch ? first.size : 0))
        guard first.position + first.size <= limit else { return file.slice(position: first.position, count: 0) }
        // Jump close to the limit through the index, then scan headers for the last whole batch that fits.
        var position = first.position + first.size
        if let jump = offsetIndex.lastPosition(atMost: limit), Int(jump) > position { position = Int(jump) }
        while let header = try readHeader(at: position, limit: limit), position + header.sizeInBytes <= limit {
            position += header.sizeInBytes
        }
        return file.slice(position: first.position, count: position - first.position)
    }

    /// The first record with timestamp >= `timestamp` and offset >= `startingOffset`, as (its offset, its
    /// timestamp), or nil when there is none (Kafka's `findOffsetByTimestamp` and `FileRecords.searchForTimestamp`):
    /// the time index gives a starting position, batch headers skip batches whose max timestamp is too old, and the
    /// records of a candidate batch are read (decompressed when needed) to find the exact record. A batch whose
    /// records all miss (its max timestamp lied, or they lie before `startingOffset`) passes the search on.
    ///
    /// Runs without the log's lock, like `read`: it sees the bytes published by the last append.
    func findOffset(byTimestamp timestamp: Int64, startingOffset: Int64) throws -> (offset: Int64, timestamp: Int64)? {
        let entry = timeIndex.lookup(targetTimestamp: timestamp)
        var position = Int(offsetIndex.lookup(targetOffset: max(entry.offset, startingOffset)).position)
        let end = file.sizeInBytes
        while let header = try readHeader(at: position, limit: end) {
            if header.maxTimestamp >= timestamp && header.lastOffset >= startingOffset,
                let found = try searchRecords(of: header, at: position, limit: end, timestamp: timestamp, startingOffset: startingOffset)
            {
                return found
            }
            position += header.sizeInBytes
        }
        return nil
    }

    /// The first record of the batch at `position` with timestamp >= `timestamp` and offset >= `startingOffset`.
    private func searchRecords(
        of header: RecordBatchHeader, at position: Int, limit: Int, timestamp: Int64, startingOffset: Int64
    ) throws -> (offset: Int64, timestamp: Int64)? {
        // The batch must lie below the published size, which also bounds the allocation.
        guard position + header.sizeInBytes <= limit else { return nil }
        let bytes = try readBytes(count: header.sizeInBytes, at: position)
        // Short only if a truncation removed the batch since the header was read: nothing left to find.
        guard bytes.count == header.sizeInBytes else { return nil }
        do {
            return try bytes.withUnsafeBytes { batch in
                Result { () throws(RecordDecodingError) in
                    try RecordBatch.withRecords(in: batch) { records throws(RecordDecodingError) -> (Int64, Int64)? in
                        while let record = try records.next() {
                            if record.timestamp >= timestamp && record.offset >= startingOffset {
                                return (record.offset, record.timestamp)
                            }
                        }
                        return nil
                    }
                }
            }.get()
        } catch {
            throw StorageError.corruptRecords(path: file.path, position: position, reason: "\(error)")
        }
    }

    /// The offset after the last batch (the segment's base offset when empty).
    func readNextOffset() throws -> Int64 {
        var position = Int(offsetIndex.lookup(targetOffset: .max).position)
        var next = baseOffset
        let end = file.sizeInBytes
        while let header = try readHeader(at: position, limit: end) {
            next = header.lastOffset + 1
            position += header.sizeInBytes
        }
        return next
    }

    /// Removes every batch with an offset >= `offset` (whole batches: one holding `offset` goes too).
    /// Returns the bytes removed.
    @discardableResult
    func truncate(to offset: Int64) throws -> Int {
        guard let batch = try translateOffset(offset) else { return 0 }
        let removed = file.sizeInBytes - batch.position
        try txnIndex.truncate(to: offset)
        offsetIndex.truncate(to: offset)
        timeIndex.truncate(to: offset)
        try file.truncate(to: batch.position)
        bytesSinceLastIndexEntry = 0
        let last = timeIndex.lastEntry
        if last.timestamp >= 0 {
            maxTimestampSoFar = last.timestamp
            offsetOfMaxTimestampSoFar = last.offset
        } else {
            maxTimestampSoFar = RecordBatch.noTimestamp
            offsetOfMaxTimestampSoFar = -1
        }
        return removed
    }

    func flush() throws {
        try file.flush()
        try offsetIndex.flush()
        try timeIndex.flush()
        try txnIndex.flush()
    }

    /// Called when a newer segment takes over appends: the indexes shrink to their used size (Kafka's
    /// `onBecomeInactiveSegment`).
    func onBecomeInactive() throws {
        file.releasePreallocation()
        try timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar, skipFullCheck: true)
        try offsetIndex.trimToValidSize()
        try timeIndex.trimToValidSize()
    }

    func close() throws {
        file.releasePreallocation()
        if maxTimestampSoFar >= 0 {
            try timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar, skipFullCheck: true)
        }
        try offsetIndex.close()
        try timeIndex.close()
    }

    func delete() throws {
        try file.delete()
        _ = try offsetIndex.deleteIfExists()
        _ = try timeIndex.deleteIfExists()
        try txnIndex.deleteIfExists()
    }

    /// The header of the batch at `position` when a whole header lies below `limit`.
    func readHeader(at position: Int, limit: Int) throws -> RecordBatchHeader? {
        guard position + RecordBatch.headerSize <= limit else { return nil }
        return try withUnsafeTemporaryAllocation(byteCount: RecordBatch.headerSize, alignment: 8) { buffer in
            let n = try file.read(into: buffer, at: position)
            guard n == RecordBatch.headerSize else { return nil }
            return try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(buffer))
        }
    }

    /// The whole batch at `position` whose header is `header`, when it lies below the published size and is at
    /// most `maxBytes` (a control batch, read to learn its marker); nil otherwise.
    func readBatch(_ header: RecordBatchHeader, at position: Int, maxBytes: Int) throws -> [UInt8]? {
        guard header.sizeInBytes <= maxBytes, position + header.sizeInBytes <= file.sizeInBytes else { return nil }
        let bytes = try readBytes(count: header.sizeInBytes, at: position)
        return bytes.count == header.sizeInBytes ? bytes : nil
    }

    /// Up to `count` bytes from `position` (fewer when the file ends first); callers bound `count` by the file.
    private func readBytes(count: Int, at position: Int) throws(StorageError) -> [UInt8] {
        var failure: StorageError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(StorageError) {
                initialized = try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: position)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// An abort's `.txnindex` entry (Kafka's `updateTxnIndex`); a commit leaves no trace in the index.
    func updateTxnIndex(_ completed: CompletedTxn, lastStableOffset: Int64) throws {
        guard completed.isAborted else { return }
        try txnIndex.append(AbortedTransaction(
            producerId: completed.producerId, firstOffset: completed.firstOffset, lastOffset: completed.lastOffset,
            lastStableOffset: lastStableOffset))
    }

    /// Indexes one batch found during recovery, with the same spacing rule as `append`.
    func indexRecovered(_ header: RecordBatchHeader, at position: Int) throws {
        if header.maxTimestamp > maxTimestampSoFar {
            maxTimestampSoFar = header.maxTimestamp
            offsetOfMaxTimestampSoFar = header.lastOffset
        }
        if bytesSinceLastIndexEntry > indexIntervalBytes {
            try offsetIndex.append(offset: header.lastOffset, position: Int32(position))
            try timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar)
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += header.sizeInBytes
    }

    func resetIndexingState() {
        bytesSinceLastIndexEntry = 0
        maxTimestampSoFar = RecordBatch.noTimestamp
        offsetOfMaxTimestampSoFar = -1
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Where a batch lies in a segment file.
struct BatchPosition: Sendable, Hashable {
    var baseOffset: Int64
    var lastOffset: Int64
    var position: Int
    var size: Int
}
