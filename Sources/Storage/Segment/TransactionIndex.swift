import Glibc
import Synchronization

/// One aborted transaction of a segment's `.txnindex` (Kafka's `AbortedTxn`): a read committed consumer drops the
/// producer's records from `firstOffset` to `lastOffset` (the ABORT marker's offset).
public struct AbortedTransaction: Sendable, Hashable {
    public var producerId: Int64
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// The last stable offset right after the abort: once a search reaches an entry whose LSO is at or past its
    /// upper bound, no later entry can overlap the range searched (Kafka's `TxnIndexSearchResult.isComplete`).
    public var lastStableOffset: Int64

    public init(producerId: Int64, firstOffset: Int64, lastOffset: Int64, lastStableOffset: Int64) {
        self.producerId = producerId
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.lastStableOffset = lastStableOffset
    }
}

/// A segment's aborted transactions, `<base offset>.txnindex` (Kafka's `TransactionIndex`): entries in marker
/// order, 34 bytes each, big-endian, unchecksummed (rebuilt by recovery, like the other indexes):
///
/// ```
/// version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
/// ```
///
/// The file exists only once the segment has an abort (Kafka creates it lazily too), and no descriptor is kept:
/// aborts are rare, most segments have no file, and a search of a segment without entries touches no file at all.
/// Appends come from the owning log under its lock; searches from fetches run concurrently, serialised with
/// appends by the index's own lock (both are short).
final class TransactionIndex: Sendable {
    static let entrySize = 34
    static let version: Int16 = 0
    /// Bytes read per `pread` when searching.
    static let readChunkBytes = entrySize * 512

    private struct State {
        var path: String
        /// Bytes of whole entries in the file (a torn trailing entry is ignored and overwritten).
        var sizeBytes: Int
        var lastOffset: Int64?
        /// Entries appended since the last flush.
        var dirty = false
    }

    private let state: Mutex<State>

    /// The index at `path`; when it exists, its last entry is read (for the order check of appends).
    init(path: String) throws(StorageError) {
        var info = stat()
        let exists = stat(path, &info) == 0
        let size = exists ? Int(info.st_size) - Int(info.st_size) % Self.entrySize : 0
        state = Mutex(State(path: path, sizeBytes: size))
        guard size > 0 else { return }
        let last = try Self.readEntry(path: path, at: size - Self.entrySize)
        state.withLock { $0.lastOffset = last.lastOffset }
    }

    private static func readEntry(path: String, at position: Int) throws(StorageError) -> AbortedTransaction {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: entrySize)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, entrySize, off_t(position)) }
        guard n == entrySize else { throw .io("read", path: path, errno: n < 0 ? errno : EIO) }
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(StorageError) in try decode(raw, at: 0, path: path) }
        }.get()
    }

    var path: String { state.withLock { $0.path } }
    var isEmpty: Bool { state.withLock { $0.sizeBytes == 0 } }

    /// Appends an entry; its `lastOffset` must be above the previous one's (Kafka: "The last offset of appended
    /// transactions must increase sequentially").
    func append(_ entry: AbortedTransaction) throws(StorageError) {
        try state.withLock { state throws(StorageError) in
            if let last = state.lastOffset, entry.lastOffset <= last {
                throw .corruptIndex(path: state.path, reason: "entry at \(entry.lastOffset) does not follow the last one at \(last)")
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Self.entrySize)
            Self.append(Self.version, to: &bytes)
            Self.append(entry.producerId, to: &bytes)
            Self.append(entry.firstOffset, to: &bytes)
            Self.append(entry.lastOffset, to: &bytes)
            Self.append(entry.lastStableOffset, to: &bytes)
            let fd = open(state.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .io("open", path: state.path, errno: errno) }
            defer { close(fd) }
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, $0.count - written, off_t(state.sizeBytes + written)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let error = errno
                    _ = ftruncate(fd, off_t(state.sizeBytes))
                    throw .io("write", path: state.path, errno: error)
                }
                written += n
            }
            state.sizeBytes += Self.entrySize
            state.lastOffset = entry.lastOffset
            state.dirty = true
        }
    }

    /// Every entry, in file order.
    func entries() throws(StorageError) -> [AbortedTransaction] {
        var all: [AbortedTransaction] = []
        try forEachEntry { all.append($0); return true }
        return all
    }

    /// The entries overlapping [fetchOffset, upperBoundOffset), and whether the search is complete (an entry's
    /// last stable offset reached the bound, so later segments need not be searched): Kafka's
    /// `TransactionIndex.collectAbortedTxns`.
    func collectAbortedTxns(fetchOffset: Int64, upperBoundOffset: Int64) throws(StorageError) -> (entries: [AbortedTransaction], isComplete: Bool) {
        var found: [AbortedTransaction] = []
        var complete = false
        try forEachEntry { entry in
            if entry.lastOffset >= fetchOffset && entry.firstOffset < upperBoundOffset { found.append(entry) }
            if entry.lastStableOffset >= upperBoundOffset {
                complete = true
                return false
            }
            return true
        }
        return (found, complete)
    }

    /// Removes the entries whose marker is at or after `offset` (the segment was truncated there).
    func truncate(to offset: Int64) throws(StorageError) {
        var keptBytes = 0
        var last: Int64?
        try forEachEntry { entry in
            guard entry.lastOffset < offset else { return false }
            keptBytes += Self.entrySize
            last = entry.lastOffset
            return true
        }
        try state.withLock { state throws(StorageError) in
            guard keptBytes < state.sizeBytes else { return }
            guard Glibc.truncate(state.path, off_t(keptBytes)) == 0 || errno == ENOENT else {
                throw .io("truncate", path: state.path, errno: errno)
            }
            state.sizeBytes = keptBytes
            state.lastOffset = last
            state.dirty = true
        }
    }

    /// Empties the index for a rebuild (recovery), removing the file.
    func reset() throws(StorageError) {
        try state.withLock { state throws(StorageError) in
            guard unlink(state.path) == 0 || errno == ENOENT else { throw .io("unlink", path: state.path, errno: errno) }
            state.sizeBytes = 0
            state.lastOffset = nil
            state.dirty = false
        }
    }

    func flush() throws(StorageError) {
        try state.withLock { state throws(StorageError) in
            guard state.dirty else { return }
            let fd = open(state.path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                if errno == ENOENT { state.dirty = false; return }
                throw .io("open", path: state.path, errno: errno)
            }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw .io("fsync", path: state.path, errno: errno) }
            state.dirty = false
        }
    }

    func deleteIfExists() throws(StorageError) {
        try reset()
    }

    /// Calls `body` with each entry until it returns false. Reads below the size known when it starts.
    private func forEachEntry(_ body: (AbortedTransaction) throws(StorageError) -> Bool) throws(StorageError) {
        let (path, size) = state.withLock { ($0.path, $0.sizeBytes) }
        guard size > 0 else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw .io("open", path: path, errno: errno)
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Self.readChunkBytes)
        var position = 0
        while position < size {
            let want = min(buffer.count, size - position)
            var got = 0
            while got < want {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, want - got, off_t(position + got)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io("read", path: path, errno: errno)
                }
                if n == 0 { break }
                got += n
            }
            let whole = got - got % Self.entrySize
            guard whole > 0 else { return }  // truncated meanwhile
            for start in stride(from: 0, to: whole, by: Self.entrySize) {
                let entry = try buffer.withUnsafeBytes { raw in
                    Result { () throws(StorageError) in try Self.decode(raw, at: start, path: path) }
                }.get()
                guard try body(entry) else { return }
            }
            position += whole
            if whole < want { return }
        }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, at position: Int, path: String) throws(StorageError) -> AbortedTransaction {
        let version: Int16 = raw.loadBigEndian(at: position)
        guard version == Self.version else {
            throw .corruptIndex(path: path, reason: "transaction index entry version \(version)")
        }
        return AbortedTransaction(
            producerId: raw.loadBigEndian(at: position + 2), firstOffset: raw.loadBigEndian(at: position + 10),
            lastOffset: raw.loadBigEndian(at: position + 18), lastStableOffset: raw.loadBigEndian(at: position + 26))
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
