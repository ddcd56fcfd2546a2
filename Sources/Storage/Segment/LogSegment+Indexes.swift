extension LogSegment {
    /// Why the segment's index files cannot be trusted, or nil. Beyond Kafka's `sanityCheck` (length a multiple
    /// of the entry size, last offset not below the base), every entry must ascend and point inside the data:
    /// garbage that happens to have a plausible length is caught too, and the whole check costs one pass over
    /// memory that startup reads anyway.
    func indexProblem() -> String? {
        do {
            try offsetIndex.sanityCheck()
            try timeIndex.sanityCheck()
        } catch {
            return "\(error)"
        }
        let size = file.sizeInBytes
        var previous = OffsetPosition(offset: baseOffset - 1, position: -1)
        for entry in offsetIndex.allEntries() {
            guard entry.offset > previous.offset, entry.position > previous.position, Int(entry.position) < size else {
                return "offset index entry (\(entry.offset), \(entry.position)) out of order or beyond the data"
            }
            previous = entry
        }
        var previousTime = TimestampOffset(timestamp: TimestampOffset.noTimestamp, offset: baseOffset)
        for entry in timeIndex.allEntries() {
            guard entry.timestamp > previousTime.timestamp, entry.offset >= previousTime.offset else {
                return "time index entry (\(entry.timestamp), \(entry.offset)) out of order"
            }
            previousTime = entry
        }
        return nil
    }

    /// The active segment's indexes get their full preallocated size back (they were trimmed at the last close).
    func prepareForAppends(maxIndexSizeBytes: Int) throws {
        _ = try offsetIndex.resize(toBytes: maxIndexSizeBytes)
        _ = try timeIndex.resize(toBytes: maxIndexSizeBytes)
    }
}

extension OffsetIndex {
    /// The greatest indexed file position <= `limit` (entries ascend in position as well as offset), or nil.
    func lastPosition(atMost limit: Int) -> Int32? {
        var low = 0
        var high = entries - 1
        var found: Int32?
        while low <= high {
            let mid = (low + high) / 2
            guard let entry = try? entry(at: mid) else { return found }
            if Int(entry.position) <= limit {
                found = entry.position
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        return found
    }
}
