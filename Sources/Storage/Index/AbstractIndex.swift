import Glibc
import Logging
import Synchronization

private let indexLogger = Logger(label: "gregor.storage.index")

/// One fixed-size, big-endian entry of an index file (Kafka's `IndexEntry`): `OffsetPosition` in an `OffsetIndex`,
/// `TimestampOffset` in a `TimeIndex`. Entries are stored with their offset relative to the segment's base offset.
public protocol IndexEntry: Sendable, Hashable {
    /// Bytes per entry in the file.
    static var sizeBytes: Int { get }
    /// The absolute offset the entry points at; entries ascend by it, and truncation goes by it.
    var offset: Int64 { get }
    /// Decodes the `sizeBytes` big-endian bytes at `bytes`, adding `baseOffset` to the stored relative offset.
    init(bigEndianBytes bytes: UnsafeRawPointer, baseOffset: Int64)
    /// Encodes the entry into `sizeBytes` bytes at `bytes`, storing `relativeOffset` for its offset.
    func writeBigEndian(to bytes: UnsafeMutableRawPointer, relativeOffset: Int32)
}

/// What `OffsetIndex` and `TimeIndex` share (Kafka's `AbstractIndex`): a memory-mapped, preallocated file of
/// fixed-size entries for one log segment, appended at the end and searched with `IndexSearch`.
///
/// **Lifecycle.** Opening a file that does not exist (writable only) creates it preallocated (`ftruncate`) to
/// `maxIndexSizeBytes` rounded down to whole entries, with no entries. Opening an existing file maps its current
/// length and, like Kafka, takes every whole entry in it as valid (`entries = length / entrySize`). That is right
/// for every file Kafka or Gregor closes cleanly, because closing and rolling a segment trim its indexes to their
/// valid entries (`trimToValidSize`). It is not right for the active segment's index after a crash: that file is
/// still preallocated, so its zero-filled tail reads as entries with relative offset 0 (and `sanityCheck` cannot
/// tell, since offset == base offset is legal). Kafka accepts this because after an unclean shutdown log recovery
/// rebuilds the index of every segment from the recovery point on, which always includes the active segment
/// (`LogSegment.recover` truncates the index and appends anew); the log layer must do the same. After loading,
/// the owner of the active segment calls `resize(toBytes: maxIndexSizeBytes)` to get room for appends again.
///
/// **Thread-safety.** One writer appends (the log's append path, under the log's lock) while fetches look up
/// concurrently. Every access to the mapping holds this index's `Mutex`: a resize or trim unmaps and remaps the file,
/// and a lookup racing with it would otherwise read unmapped memory and crash. (Kafka locks lookups only on Windows:
/// elsewhere the JVM leaves a replaced mapping to the garbage collector, so a racing reader still sees valid
/// memory; `munmap` here is immediate.) A lookup holds the lock for one binary search, a dozen or so entry reads, so
/// the lock stays cheap. The type is `Sendable` without `@unchecked`: all mutable state, the mapping included, lives
/// inside the `Mutex`.
///
/// After `close()` or `deleteIfExists()` the index maps nothing: it reads as empty, and every operation that
/// writes the file throws `IndexError.closed`.
public final class AbstractIndex<Entry: IndexEntry>: Sendable {
    /// The base offset of the segment this index belongs to; stored offsets are relative to it.
    public let baseOffset: Int64
    /// The preallocated size of a new file, and the size `reset()` restores (`segment.index.bytes`).
    public let maxIndexSizeBytes: Int
    public let writable: Bool
    let storage: Mutex<MappedIndexFile<Entry>>

    /// Opens (or, when writable, creates) the index file at `file`.
    public init(file: String, baseOffset: Int64, maxIndexSizeBytes: Int, writable: Bool = true) throws(IndexError) {
        let mapped = try MappedIndexFile<Entry>(
            path: file, baseOffset: baseOffset, maxIndexSizeBytes: maxIndexSizeBytes, writable: writable)
        indexLogger.debug(
            "Loaded index file",
            metadata: ["path": "\(file)", "entries": "\(mapped.entries)", "maxEntries": "\(mapped.maxEntries)"])
        self.baseOffset = baseOffset
        self.maxIndexSizeBytes = maxIndexSizeBytes
        self.writable = writable
        self.storage = Mutex(mapped)
    }

    /// The index file's current path (it changes with `renameTo`).
    public var file: String { storage.withLock { $0.path } }
    /// Valid entries.
    public var entries: Int { storage.withLock { $0.entries } }
    /// Entries the file has room for at its current length.
    public var maxEntries: Int { storage.withLock { $0.maxEntries } }
    /// The file's length (preallocated room included).
    public var lengthBytes: Int { storage.withLock { $0.lengthBytes } }
    /// Bytes used by valid entries.
    public var sizeInBytes: Int { storage.withLock { $0.entries * Entry.sizeBytes } }
    /// The offset of the last entry, or the base offset when there is none.
    public var lastOffset: Int64 { storage.withLock { $0.lastEntry?.offset ?? baseOffset } }

    /// The entry in slot `slot` (0-based).
    public func entry(at slot: Int) throws(IndexError) -> Entry {
        try storage.withLock { (index) throws(IndexError) -> Entry in
            guard slot >= 0, slot < index.entries else {
                throw .entryOutOfRange(path: index.path, slot: slot, entries: index.entries)
            }
            return index.entry(slot)
        }
    }

    /// Every valid entry, in order (for tests and tools; holds the lock for the whole copy).
    public func allEntries() -> [Entry] {
        storage.withLock { index in (0..<index.entries).map { index.entry($0) } }
    }

    /// Whether `offset` can be stored relative to the base offset (`0 ... Int32.max` above it).
    public func canAppendOffset(_ offset: Int64) -> Bool {
        offset >= baseOffset && offset - baseOffset <= Int64(Int32.max)
    }

    /// Removes every entry whose offset is >= `offset`; an offset above the last entry changes nothing.
    /// Only forgets entries (later appends overwrite them), so it cannot fail; a closed index has none to remove.
    public func truncate(to offset: Int64) {
        storage.withLock { index in
            let slot = index.slotRange(target: offset) { $0.offset }.lower
            // No entry <= offset: drop all; an entry exactly at offset: drop it and later ones; else keep it.
            let kept = slot.map { index.entry($0).offset == offset ? $0 : $0 + 1 } ?? 0
            index.truncate(toEntries: kept)
        }
    }

    /// Removes every entry (Kafka's `truncate()`).
    public func truncateAll() {
        storage.withLock { index in
            index.truncate(toEntries: 0)
        }
    }

    /// Removes every entry and grows the file back to `maxIndexSizeBytes` (used when recovery rebuilds the index).
    public func reset() throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            try index.check("reset", write: true)
            index.truncate(toEntries: 0)
            _ = try index.resize(toBytes: maxIndexSizeBytes)
        }
    }

    /// Sets the file's length to `sizeBytes` rounded down to whole entries and remaps it. Used to trim
    /// (`trimToValidSize`) and, when a segment becomes active again (loading, truncation), to regain room up to
    /// `maxIndexSizeBytes`. Returns false when the length was already that.
    @discardableResult
    public func resize(toBytes sizeBytes: Int) throws(IndexError) -> Bool {
        try storage.withLock { (index) throws(IndexError) -> Bool in
            try index.check("resize", write: true)
            let resized = try index.resize(toBytes: sizeBytes)
            if resized {
                indexLogger.debug(
                    "Resized index", metadata: ["path": "\(index.path)", "lengthBytes": "\(index.lengthBytes)"])
            }
            return resized
        }
    }

    /// Shrinks the file to exactly its valid entries, dropping the preallocated tail (at roll and close), so the
    /// next open derives the right entry count from the file's length.
    public func trimToValidSize() throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            try index.check("trim", write: true)
            _ = try index.resize(toBytes: index.entries * Entry.sizeBytes)
        }
    }

    /// Writes the mapped entries to disk (`msync`). Holds the lock meanwhile, as the mapping must not be replaced
    /// under `msync`; lookups wait, but only the few pages appended since the last flush are dirty.
    public func flush() throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            try index.check("flush", write: false)
            try index.flush()
        }
    }

    /// Trims a writable index to its valid entries and unmaps the file. The mapping is dropped even when the trim
    /// fails (the error is still thrown). Closing twice does nothing.
    public func close() throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in
            guard !index.isClosed else { return }
            defer { index.unmap() }
            if index.writable {
                _ = try index.resize(toBytes: index.entries * Entry.sizeBytes)
            }
        }
    }

    /// Unmaps the file and deletes it; false when it did not exist.
    @discardableResult
    public func deleteIfExists() throws(IndexError) -> Bool {
        try storage.withLock { (index) throws(IndexError) -> Bool in
            index.unmap()
            if unlink(index.path) == 0 { return true }
            guard errno == ENOENT else { throw .io(operation: "delete", path: index.path, errno: errno) }
            return false
        }
    }

    /// Renames the file (for example to add `.deleted` or drop `.swap`); the mapping is unaffected.
    public func renameTo(_ path: String) throws(IndexError) {
        try storage.withLock { (index) throws(IndexError) in try index.rename(to: path) }
    }

    /// `offset - baseOffset`, or Kafka's `IndexOffsetOverflowException` when it does not fit 4 bytes.
    func relativeOffset(_ offset: Int64, path: String) throws(IndexError) -> Int32 {
        guard canAppendOffset(offset) else {
            throw .offsetOverflow(path: path, offset: offset, baseOffset: baseOffset)
        }
        return Int32(offset - baseOffset)
    }

    /// Kafka's length check, shared by both sanity checks.
    static func lengthProblem(_ index: borrowing MappedIndexFile<Entry>, name: String) -> IndexError? {
        guard index.lengthBytes % Entry.sizeBytes != 0 else { return nil }
        return .corruptIndex(
            path: index.path,
            message: "\(name) file \(index.path) is corrupt, found \(index.lengthBytes) bytes which is neither "
                + "positive nor a multiple of \(Entry.sizeBytes).")
    }
}
