import Glibc
import KafkaProtocol

extension LogSegment {
    /// Rebuilds the indexes from the data and cuts the file at the first batch that is torn or corrupt (Kafka's
    /// `LogSegment.recover`): a batch must have magic 2, a size that fits the file, a valid CRC-32C, and offsets
    /// above the previous batch's. Returns the number of bytes removed.
    ///
    /// The file is memory-mapped and checked in one sequential pass, so recovery runs at the speed of reading the
    /// page cache plus hardware CRC. The `.txnindex` is emptied: the loader rebuilds it while it replays the
    /// segment's batches with the producer state (Kafka does both in `LogSegment.recover`).
    func recover(maxBatchBytes: Int) throws -> (truncatedBytes: Int, firstBadOffset: Int64?) {
        // Kafka's `reset`: empty, and back to full preallocated size (a trimmed index could not hold the rebuild).
        try offsetIndex.reset()
        try timeIndex.reset()
        try txnIndex.reset()
        resetIndexingState()
        let fileSize = try file.lengthOnDisk()
        guard fileSize > 0 else {
            try file.truncate(to: 0)
            return (0, nil)
        }
        guard let mapped = mmap(nil, fileSize, PROT_READ, MAP_SHARED, file.descriptor, 0), mapped != MAP_FAILED else {
            throw StorageError.io("mmap", path: file.path, errno: errno)
        }
        defer { munmap(mapped, fileSize) }
        _ = madvise(mapped, fileSize, MADV_SEQUENTIAL)
        let bytes = UnsafeRawBufferPointer(start: mapped, count: fileSize)

        var position = 0
        var lastOffset = baseOffset - 1
        var firstBadOffset: Int64?
        while position < fileSize {
            let remaining = UnsafeRawBufferPointer(rebasing: bytes[position...])
            guard remaining.count >= RecordBatch.headerSize,
                let header = try? RecordBatchHeader(parsing: remaining),
                header.sizeInBytes >= RecordBatch.headerSize, header.sizeInBytes <= remaining.count,
                header.sizeInBytes <= max(maxBatchBytes, RecordBatch.headerSize) + RecordBatch.logOverhead,
                header.baseOffset > lastOffset, header.lastOffset >= header.baseOffset,
                header.lastOffset - baseOffset <= Int64(Int32.max),
                (try? RecordBatch.validate(
                    UnsafeRawBufferPointer(rebasing: remaining[..<header.sizeInBytes]), maxBatchBytes: .max, origin: .replication)) != nil
            else {
                if remaining.count >= 8 { firstBadOffset = remaining.loadUnaligned(as: Int64.self).bigEndian }
                break
            }
            try indexRecovered(header, at: position)
            lastOffset = header.lastOffset
            position += header.sizeInBytes
        }
        let truncated = fileSize - position
        if truncated > 0 || file.sizeInBytes != position {
            try file.truncate(to: position)
        }
        try timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar, skipFullCheck: true)
        return (truncated, truncated > 0 ? firstBadOffset : nil)
    }
}
