/// An offset index entry: a message's offset and the byte position of its record batch in the segment's `.log` file.
public struct OffsetPosition: IndexEntry {
    public static let sizeBytes = 8

    public var offset: Int64
    public var position: Int32

    public init(offset: Int64, position: Int32) {
        self.offset = offset
        self.position = position
    }

    public init(bigEndianBytes bytes: UnsafeRawPointer, baseOffset: Int64) {
        let relativeOffset = Int32(bigEndian: bytes.loadUnaligned(as: Int32.self))
        offset = baseOffset + Int64(relativeOffset)
        position = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: Int32.self))
    }

    public func writeBigEndian(to bytes: UnsafeMutableRawPointer, relativeOffset: Int32) {
        bytes.storeBytes(of: relativeOffset.bigEndian, as: Int32.self)
        bytes.storeBytes(of: position.bigEndian, toByteOffset: 4, as: Int32.self)
    }
}

/// An index that maps offsets to physical positions in one log segment's `.log` file (Kafka's `OffsetIndex`).
/// The index may be sparse: the log adds an entry every `index.interval.bytes`, not one per batch.
///
/// File `<20-digit base offset>.index`, preallocated to hold a fixed maximum number of 8-byte entries:
///
/// ```
/// 0       4       8
/// +-------+-------+
/// | rel.  | pos.  |   relative offset: Int32 big-endian, offset - baseOffset (base 50: offset 55 is stored as 5)
/// +-------+-------+   position: Int32 big-endian, byte position of the batch in the .log file
/// ```
///
/// Entries ascend by offset (and therefore by position). Lookups binary-search a memory map of the file for the
/// greatest offset <= the target (see `IndexSearch` for the warm-section variant). No attempt is made to checksum
/// the file: after a crash it is rebuilt from the log. See `AbstractIndex` for the lifecycle and thread-safety.
public typealias OffsetIndex = AbstractIndex<OffsetPosition>

extension OffsetIndex {
    /// True when no slot is left for `append`.
    public var isFull: Bool { storage.withLock { $0.entries >= $0.maxEntries } }

    /// The entry with the greatest offset <= `targetOffset`; `(baseOffset, 0)` when the target is below the first
    /// entry or the index is empty (the read then starts at the segment's beginning).
    public func lookup(targetOffset: Int64) -> OffsetPosition {
        storage.withLock { index in
            index.slotRange(target: targetOffset) { $0.offset }.lower.map { index.entry($0) }
                ?? OffsetPosition(offset: baseOffset, position: 0)
        }
    }

    /// An entry beyond a fetch of `fetchSizeBytes` starting at `fetchOffset`: the first entry whose position is
    /// >= `fetchOffset.position + fetchSizeBytes`, or nil when there is none. The offset is outside the fetched
    /// range but not in general the smallest such offset.
    public func fetchUpperBoundOffset(fetchOffset: OffsetPosition, fetchSizeBytes: Int) -> OffsetPosition? {
        storage.withLock { index in
            let target = Int64(fetchOffset.position) + Int64(fetchSizeBytes)
            return index.slotRange(target: target) { Int64($0.position) }.upper.map { index.entry($0) }
        }
    }

    /// Appends an entry. `offset` must be above the last entry's and representable relative to the base offset.
    public func append(offset: Int64, position: Int32) throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            try index.check("append to", write: true)
            guard index.entries < index.maxEntries else {
                throw .indexFull(path: index.path, entries: index.entries)
            }
            if let last = index.lastEntry, offset <= last.offset {
                throw .offsetNotIncreasing(
                    path: index.path, offset: offset, lastOffset: last.offset, entries: index.entries)
            }
            let relative = try relativeOffset(offset, path: index.path)
            index.append(OffsetPosition(offset: offset, position: position), relativeOffset: relative)
        }
    }

    /// Kafka's checks for obviously broken files (`CorruptIndexException`): the last offset below the base offset,
    /// or a length that is not a whole number of entries. A failing segment has its indexes rebuilt.
    public func sanityCheck() throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            if let last = index.lastEntry, last.offset < baseOffset {
                throw .corruptIndex(
                    path: index.path,
                    message: "Corrupt index found, index file (\(index.path)) has non-zero size but the last offset "
                        + "is \(last.offset) which is less than the base offset \(baseOffset).")
            }
            if let problem = Self.lengthProblem(index, name: "Index") { throw problem }
        }
    }
}
