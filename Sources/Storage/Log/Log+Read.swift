import KafkaProtocol

/// What a read found: whole batches as one file range (empty when nothing is available yet), and the log's
/// bounds at the time of the read.
public struct LogReadInfo: Sendable {
    public var records: FileSlice?
    public var logStartOffset: Int64
    public var logEndOffset: Int64

    public var sizeInBytes: Int { records?.count ?? 0 }
}

extension Log {
    /// Reads whole batches starting with the one that holds `offset`: at most `maxBytes` (but at least one whole
    /// batch when `minOneBatch`, KIP-74), never a batch at or beyond `maxOffset` (the high watermark for consumers,
    /// the log end for followers). Offsets outside [log start, log end] are out of range.
    public func read(from offset: Int64, maxBytes: Int, upTo maxOffset: Int64? = nil, minOneBatch: Bool = true) throws -> LogReadInfo {
        // The segments are only copied (retaining the array, shared with every reader and the appender) when
        // there is something to read: most reads of an idle follower's fetch find their offset at the log end.
        let (segments, startOffset, endOffset) = state.withLock { state in
            let limit = min(maxOffset ?? state.nextOffset, state.nextOffset)
            return (offset < limit ? state.segments : [], state.logStartOffset, state.nextOffset)
        }
        guard offset >= startOffset, offset <= endOffset else {
            throw StorageError.offsetOutOfRange(requested: offset, logStartOffset: startOffset, logEndOffset: endOffset)
        }
        let limitOffset = min(maxOffset ?? endOffset, endOffset)
        var result = LogReadInfo(records: nil, logStartOffset: startOffset, logEndOffset: endOffset)
        guard offset < limitOffset, !segments.isEmpty else { return result }
        var index = Self.floorSegmentIndex(segments, offset: offset)
        while index < segments.count {
            let segment = segments[index]
            // The limit offset stops the read at the start of the batch that holds it.
            var maxPosition = segment.sizeInBytes
            // Without a caller's limit the log end is the limit, and the segment's published size already stops
            // at a batch boundary; only a real limit (the high watermark) needs locating.
            let limited = maxOffset.map { $0 < endOffset } ?? false
            if limited, index == segments.count - 1 || segments[index + 1].baseOffset > limitOffset {
                if let batch = try segment.translateOffset(limitOffset) { maxPosition = batch.position }
            }
            if let slice = try segment.read(startOffset: offset, maxSize: maxBytes, maxPosition: maxPosition, minOneBatch: minOneBatch) {
                result.records = slice
                return result
            }
            index += 1
        }
        return result
    }

    /// The index of the segment whose base offset is the greatest <= `offset` (0 when all are above).
    static func floorSegmentIndex(_ segments: [LogSegment], offset: Int64) -> Int {
        var low = 0
        var high = segments.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if segments[mid].baseOffset <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The first record whose timestamp is >= `timestamp` (ListOffsets by time), as its exact offset and timestamp
    /// (Kafka's `fetchOffsetByTimestamp`); nil when every record is older. Records before the log start offset do
    /// not count. With LogAppendTime every record of a batch carries the batch's max timestamp, as in Kafka.
    public func fetchOffset(byTimestamp timestamp: Int64) throws -> (offset: Int64, timestamp: Int64)? {
        // The segments' timestamp state is guarded by the lock, so the candidates are picked under it; the search
        // reads files and may decompress a batch, which runs outside it (like `read`) so appends are not held up.
        let (candidates, startOffset) = state.withLock { state in
            (state.segments.filter { $0.maxTimestampSoFar >= timestamp }, state.logStartOffset)
        }
        for segment in candidates {
            if let found = try segment.findOffset(byTimestamp: timestamp, startingOffset: startOffset) {
                return found
            }
        }
        return nil
    }
}
