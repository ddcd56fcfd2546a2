import Glibc

/// The memory map behind one index file and its count of valid entries: Kafka's `mmap` buffer and `_entries`.
///
/// The whole file is mapped shared (`MAP_SHARED`), read-write when writable. The file descriptor is closed right
/// after mapping, as Kafka closes its `RandomAccessFile`; `resize` reopens the file by path.
///
/// Not thread-safe: `AbstractIndex` keeps it behind its lock, which is what makes remapping safe against concurrent
/// lookups. Unmaps itself when dropped.
struct MappedIndexFile<Entry: IndexEntry>: ~Copyable {
    private(set) var path: String
    let baseOffset: Int64
    let writable: Bool
    /// Start of the mapping; nil when nothing is mapped (an empty file, or after `unmap`).
    private var mapping: UnsafeMutableRawPointer?
    /// Length of the mapping (what `munmap` needs). At least `lengthBytes` while mapped: a failed remap after a
    /// shrink keeps the old, longer mapping, whose tail past the end of the file must never be touched.
    private var mappedBytes = 0
    /// The file's length as this index knows it; every access stays below it.
    private(set) var lengthBytes: Int
    /// Valid entries, all at the start of the file.
    private(set) var entries: Int
    private(set) var isClosed = false

    /// Opens `path`; when writable and the file does not exist, creates it preallocated to `maxIndexSizeBytes`
    /// (rounded down to whole entries) with no entries. An existing file is assumed to hold only valid entries:
    /// its length, rounded down to whole entries, gives the entry count (see `AbstractIndex` on reopening).
    init(path: String, baseOffset: Int64, maxIndexSizeBytes: Int, writable: Bool) throws(IndexError) {
        self.path = path
        self.baseOffset = baseOffset
        self.writable = writable
        var newlyCreated = false
        var fd: Int32
        if writable {
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                newlyCreated = true
            } else if errno == EEXIST {
                fd = open(path, O_RDWR | O_CLOEXEC)
            }
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        do throws(IndexError) {
            if newlyCreated {
                guard maxIndexSizeBytes >= Entry.sizeBytes else {
                    throw .invalidMaxIndexSize(
                        path: path, maxIndexSizeBytes: maxIndexSizeBytes, entrySizeBytes: Entry.sizeBytes)
                }
                try Self.setLength(fd, Self.roundedDown(maxIndexSizeBytes), path: path)
            }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
            let length = Int(info.st_size)
            mapping = try Self.map(fd, lengthBytes: length, writable: writable, path: path)
            mappedBytes = length
            lengthBytes = length
            entries = newlyCreated ? 0 : length / Entry.sizeBytes
        } catch {
            if newlyCreated { unlink(path) }
            throw error
        }
    }

    deinit {
        if let mapping { munmap(mapping, mappedBytes) }
    }

    var maxEntries: Int { lengthBytes / Entry.sizeBytes }

    /// The entry in `slot`, which must be below `entries`.
    func entry(_ slot: Int) -> Entry {
        precondition(slot >= 0 && slot < entries, "slot \(slot) outside 0..<\(entries) in \(path)")
        return Entry(bigEndianBytes: UnsafeRawPointer(mapping!) + slot * Entry.sizeBytes, baseOffset: baseOffset)
    }

    /// The last valid entry, nil when there is none.
    var lastEntry: Entry? { entries > 0 ? entry(entries - 1) : nil }

    /// Slots around `target`, comparing `key(entry)`; see `IndexSearch`.
    func slotRange(target: Int64, key: (Entry) -> Int64) -> IndexSlotRange {
        IndexSearch.slotRange(
            count: entries, warmEntries: IndexSearch.warmSectionBytes / Entry.sizeBytes, target: target
        ) { slot in key(entry(slot)) }
    }

    /// Refuses operations a closed, or for `write` a read-only, index cannot do.
    func check(_ operation: String, write: Bool) throws(IndexError) {
        if isClosed { throw .closed(path: path, operation: operation) }
        if write, !writable { throw .readOnly(path: path, operation: operation) }
    }

    /// Writes `entry` into the next free slot; the caller has checked order and room.
    mutating func append(_ entry: Entry, relativeOffset: Int32) {
        precondition(writable && entries < maxEntries, "no free slot in \(path)")
        entry.writeBigEndian(to: mapping! + entries * Entry.sizeBytes, relativeOffset: relativeOffset)
        entries += 1
    }

    /// Forgets every entry from `count` on (the bytes stay; later appends overwrite them).
    mutating func truncate(toEntries count: Int) {
        precondition(count >= 0 && count <= entries)
        entries = count
    }

    /// Sets the file's length to `sizeBytes` rounded down to whole entries and remaps it; false when the length is
    /// already that. Shrinking below the valid entries is refused.
    mutating func resize(toBytes sizeBytes: Int) throws(IndexError) -> Bool {
        let rounded = Self.roundedDown(max(0, sizeBytes))
        guard rounded != lengthBytes else { return false }
        guard rounded >= entries * Entry.sizeBytes else {
            throw .resizeBelowEntries(path: path, sizeBytes: rounded, entries: entries)
        }
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        let oldLengthBytes = lengthBytes
        try Self.setLength(fd, rounded, path: path)
        // Until the new mapping exists, only the shorter of both lengths may be touched.
        lengthBytes = min(oldLengthBytes, rounded)
        let newMapping: UnsafeMutableRawPointer?
        do throws(IndexError) {
            newMapping = try Self.map(fd, lengthBytes: rounded, writable: true, path: path)
        } catch {
            if rounded > oldLengthBytes { _ = ftruncate(fd, off_t(oldLengthBytes)) }
            throw error
        }
        if let mapping { munmap(mapping, mappedBytes) }
        mapping = newMapping
        mappedBytes = rounded
        lengthBytes = rounded
        return true
    }

    /// Writes dirty pages of the mapping to disk (`msync`, Kafka's `mmap.force()`).
    func flush() throws(IndexError) {
        guard let mapping, writable, mappedBytes > 0 else { return }
        guard msync(mapping, mappedBytes, MS_SYNC) == 0 else {
            throw .io(operation: "msync", path: path, errno: errno)
        }
    }

    /// Drops the mapping for good; afterwards the index holds no entries and refuses changes.
    mutating func unmap() {
        if let mapping { munmap(mapping, mappedBytes) }
        mapping = nil
        mappedBytes = 0
        lengthBytes = 0
        entries = 0
        isClosed = true
    }

    /// Renames the file; later resizes open the new path.
    mutating func rename(to newPath: String) throws(IndexError) {
        guard Glibc.rename(path, newPath) == 0 else {
            throw .io(operation: "rename to \(newPath)", path: path, errno: errno)
        }
        path = newPath
    }

    static func roundedDown(_ sizeBytes: Int) -> Int {
        sizeBytes / Entry.sizeBytes * Entry.sizeBytes
    }

    private static func setLength(_ fd: Int32, _ lengthBytes: Int, path: String) throws(IndexError) {
        while ftruncate(fd, off_t(lengthBytes)) != 0 {
            guard errno == EINTR else { throw .io(operation: "ftruncate", path: path, errno: errno) }
        }
    }

    /// Maps `lengthBytes` of `fd`; nil for an empty file, which `mmap` cannot map.
    private static func map(
        _ fd: Int32,
        lengthBytes: Int,
        writable: Bool,
        path: String
    ) throws(IndexError) -> UnsafeMutableRawPointer? {
        guard lengthBytes > 0 else { return nil }
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        let address = mmap(nil, lengthBytes, protection, MAP_SHARED, fd, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .io(operation: "mmap", path: path, errno: errno)
        }
        // Index reads are binary searches and single slots: without this, touching the last slot of a preallocated
        // (sparse) index after an unclean shutdown makes the kernel read ahead and zero-fill megabytes per segment,
        // which made recovering thousands of partitions take tens of seconds. Advice only: a failure changes nothing.
        _ = madvise(address, lengthBytes, MADV_RANDOM)
        return address
    }
}
