/// A time index entry: the largest timestamp seen before `offset` in the segment. Any record with a timestamp above
/// `timestamp` comes after `offset`.
public struct TimestampOffset: IndexEntry {
    public static let sizeBytes = 12
    /// Kafka's `RecordBatch.NO_TIMESTAMP`: what an empty time index reports.
    public static let noTimestamp: Int64 = -1

    public var timestamp: Int64
    public var offset: Int64

    public init(timestamp: Int64, offset: Int64) {
        self.timestamp = timestamp
        self.offset = offset
    }

    public init(bigEndianBytes bytes: UnsafeRawPointer, baseOffset: Int64) {
        timestamp = Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        let relativeOffset = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int32.self))
        offset = baseOffset + Int64(relativeOffset)
    }

    public func writeBigEndian(to bytes: UnsafeMutableRawPointer, relativeOffset: Int32) {
        bytes.storeBytes(of: timestamp.bigEndian, as: Int64.self)
        bytes.storeBytes(of: relativeOffset.bigEndian, toByteOffset: 8, as: Int32.self)
    }
}

/// An index that maps timestamps to offsets in one log segment (Kafka's `TimeIndex`), used by ListOffsets with a
/// timestamp and by time-based retention. The index may be sparse.
///
/// File `<20-digit base offset>.timeindex`, preallocated to hold a fixed maximum number of 12-byte entries:
///
/// ```
/// 0               8       12
/// +---------------+-------+
/// | timestamp     | rel.  |   timestamp: Int64 big-endian, milliseconds
/// +---------------+-------+   relative offset: Int32 big-endian, offset - baseOffset (as in the offset index)
/// ```
///
/// An entry (T, O) means the biggest timestamp seen before offset O is T. Timestamps within a file strictly ascend:
/// an entry is only added when its timestamp exceeds the last one, so a segment whose records carry no timestamps
/// (magic 0) has an empty time index. The last slot is reserved for the entry added when the segment rolls or closes
/// (`isFull` counts it as taken; `maybeAppend(..., skipFullCheck: true)` may use it). Not checksummed: rebuilt from
/// the log after a crash. See `AbstractIndex` for the lifecycle and thread-safety.
public typealias TimeIndex = AbstractIndex<TimestampOffset>

extension TimeIndex {
    /// True when only the slot reserved for the roll is left (Kafka's `entries >= maxEntries - 1`).
    public var isFull: Bool { storage.withLock { $0.entries >= $0.maxEntries - 1 } }

    /// The last entry, or `(noTimestamp, baseOffset)` when there is none.
    public var lastEntry: TimestampOffset {
        storage.withLock { $0.lastEntry } ?? TimestampOffset(timestamp: TimestampOffset.noTimestamp, offset: baseOffset)
    }

    /// Appends `(timestamp, offset)` when `timestamp` is greater than the last entry's, Kafka's rule: a timestamp
    /// equal to the last (the same entry offered again when the segment rolls or closes, or records that did not
    /// raise the segment's maximum timestamp) is ignored, as is any timestamp <= `noTimestamp` in an empty index.
    /// A timestamp or offset below the last entry's is a caller bug and throws; callers pass the segment's running
    /// maximum timestamp and the offset of the record carrying it.
    ///
    /// - Parameter skipFullCheck: allows the slot reserved for the roll; only the roll and close paths pass true.
    public func maybeAppend(timestamp: Int64, offset: Int64, skipFullCheck: Bool = false) throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            try index.check("append to", write: false)
            if !skipFullCheck, index.entries >= index.maxEntries - 1 {
                throw .indexFull(path: index.path, entries: index.entries)
            }
            let last = index.lastEntry
            if let last, offset < last.offset {
                throw .offsetNotIncreasing(
                    path: index.path, offset: offset, lastOffset: last.offset, entries: index.entries)
            }
            if let last, timestamp < last.timestamp {
                throw .timestampNotIncreasing(
                    path: index.path, timestamp: timestamp, lastTimestamp: last.timestamp, entries: index.entries)
            }
            guard timestamp > (last?.timestamp ?? TimestampOffset.noTimestamp) else { return }
            // Checked only now: closing a trimmed (physically full) or read-only segment offers its last entry
            // again, which must stay a no-op.
            try index.check("append to", write: true)
            guard index.entries < index.maxEntries else {
                throw .indexFull(path: index.path, entries: index.entries)
            }
            let relative = try relativeOffset(offset, path: index.path)
            index.append(TimestampOffset(timestamp: timestamp, offset: offset), relativeOffset: relative)
        }
    }

    /// The entry with the greatest timestamp <= `targetTimestamp`; `(noTimestamp, baseOffset)` when the target is
    /// below the first entry or the index is empty.
    public func lookup(targetTimestamp: Int64) -> TimestampOffset {
        storage.withLock { index in
            index.slotRange(target: targetTimestamp) { $0.timestamp }.lower.map { index.entry($0) }
                ?? TimestampOffset(timestamp: TimestampOffset.noTimestamp, offset: baseOffset)
        }
    }

    /// Kafka's checks for obviously broken files (`CorruptIndexException`): the last timestamp below the first, the
    /// last offset below the base offset, or a length that is not a whole number of entries.
    public func sanityCheck() throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            if let last = index.lastEntry {
                let first = index.entry(0)
                if last.timestamp < first.timestamp {
                    throw .corruptIndex(
                        path: index.path,
                        message: "Corrupt time index found, time index file (\(index.path)) has non-zero size but "
                            + "the last timestamp is \(last.timestamp) which is less than the first timestamp "
                            + "\(first.timestamp)")
                }
                if last.offset < baseOffset {
                    throw .corruptIndex(
                        path: index.path,
                        message: "Corrupt time index found, time index file (\(index.path)) has non-zero size but "
                            + "the last offset is \(last.offset) which is less than the first offset \(baseOffset)")
                }
            }
            if let problem = Self.lengthProblem(index, name: "Time index") { throw problem }
        }
    }
}
