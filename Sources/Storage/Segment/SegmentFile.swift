import CFileSpace
import Glibc
import NIOCore
import Synchronization

/// A segment's `.log` file: an append-only sequence of record batches, written with `pwritev` at its end and read
/// with `pread` (or handed to `sendfile` as a `FileSlice`).
///
/// The descriptor stays open until the last reference is gone, so a fetch that holds a slice keeps reading valid
/// bytes even after retention has unlinked the file (Kafka gets the same effect with `file.delete.delay.ms`).
/// Appends go into space allocated ahead (`fallocate` with `FALLOC_FL_KEEP_SIZE`, `preallocationChunk` at a time):
/// ext4 then skips its per-block delayed-allocation work on every write, about a quarter of the kernel's cost of a
/// 1 MiB page-cache append here (and of the later writeback). The file's size stays the data's size, so readers,
/// recovery and size-based retention see nothing of it. Only a segment that already holds a chunk allocates ahead, so
/// the space past the end is never more than the data (thousands of quiet partitions allocate nothing extra), and it
/// is given back when the segment stops taking appends, is closed or truncated. After a crash, a reopened file
/// counts what it finds allocated past its size as its own, given back the same way (not at open: another open of
/// a segment being written must never cut it).
///
/// One writer (the owning log, under its lock); any number of concurrent readers.
public final class SegmentFile: Sendable {
    public let descriptor: Int32
    private let budget: FileDescriptorBudget
    private let state: Mutex<State>
    private let size: Atomic<Int>

    private struct State {
        var path: String
        /// Where the space allocated ahead of the data ends (0: none beyond the size).
        var preallocatedEnd = 0
        /// Cleared when the file system does not support `fallocate`.
        var preallocates = true
    }

    /// Bytes allocated at a time ahead of the appends, once the segment holds as many.
    static let preallocationChunk = 4 << 20

    /// Opens (or creates) the file; the valid size is the file's length unless the caller truncates it. Its
    /// descriptor comes out of `budget` for `use` and goes back when the file is released.
    init(
        path: String, create: Bool, use: FileDescriptorBudget.Use, budget: FileDescriptorBudget
    ) throws(StorageError) {
        guard budget.tryAcquire(use) else {
            throw .descriptorBudgetExhausted(path: path, capacity: budget.ceiling(for: use))
        }
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            let error = errno
            budget.release()
            throw .io("open", path: path, errno: error)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = errno
            close(fd)
            budget.release()
            throw .io("fstat", path: path, errno: error)
        }
        self.budget = budget
        descriptor = fd
        // Space allocated ahead and never given back (the broker stopped without closing the segment): roughly
        // where it ends, so that `releasePreallocation` frees it.
        let (allocated, overflow) = Int(info.st_blocks).multipliedReportingOverflow(by: 512)
        let leftOver = !overflow && allocated > Int(info.st_size) + Self.preallocationChunk / 2 ? allocated : 0
        state = Mutex(State(path: path, preallocatedEnd: leftOver))
        size = Atomic(Int(info.st_size))
    }

    deinit {
        close(descriptor)
        budget.release()
    }

    public var path: String { state.withLock { $0.path } }

    /// Bytes of valid data (what readers may see).
    public var sizeInBytes: Int { size.load(ordering: .acquiring) }

    /// Appends `records` at the end with `pwritev` (head and body in one call, so one write as the page cache sees
    /// it). On failure (disk full, file size limit) the file is cut back to its previous size, so a partial write
    /// never leaves a torn batch behind, and the error is thrown. Readers see the new size only once all of it is in.
    func append(_ records: RecordsToWrite) throws(StorageError) {
        let start = sizeInBytes
        let total = records.count
        if start >= Self.preallocationChunk { preallocate(through: start + total) }
        var written = 0
        while written < total {
            let n = withUnsafeTemporaryAllocation(of: Glibc.iovec.self, capacity: 2) { iov -> Int in
                var count = 0
                if written < records.head.count {
                    iov[0] = Self.piece(records.head, from: written)
                    count = 1
                }
                let bodyFrom = max(0, written - records.head.count)
                if bodyFrom < records.body.count {
                    iov[count] = Self.piece(records.body, from: bodyFrom)
                    count += 1
                }
                return pwritev(descriptor, iov.baseAddress, Int32(count), off_t(start + written))
            }
            if n <= 0 {
                // 0 bytes for a non-empty write is no progress (never seen on a regular file): fail rather than spin.
                let error = n < 0 ? errno : EIO
                if n < 0, error == EINTR { continue }
                _ = ftruncate(descriptor, off_t(start))
                state.withLock { $0.preallocatedEnd = 0 }
                throw .io("write", path: path, errno: error)
            }
            written += n
        }
        size.store(start + total, ordering: .releasing)
    }

    /// Allocates up to the next chunk boundary past `end` when the space allocated ahead ends before it. A failure
    /// (a full disk, say) is left to the write, which reports its own.
    private func preallocate(through end: Int) {
        state.withLock { state in
            guard state.preallocates, end > state.preallocatedEnd else { return }
            let from = max(state.preallocatedEnd, sizeInBytes)
            let (chunks, overflow) = end.addingReportingOverflow(Self.preallocationChunk - 1)
            guard !overflow else { return }
            let to = chunks / Self.preallocationChunk * Self.preallocationChunk
            if gregor_fallocate_keep_size(descriptor, Int64(from), Int64(to - from)) == 0 {
                state.preallocatedEnd = to
            } else if errno == EOPNOTSUPP || errno == ENOSYS {
                state.preallocates = false
            }
        }
    }

    /// Gives back the space allocated past the data (the segment takes no more appends, or is being closed).
    func releasePreallocation() {
        state.withLock { state in
            guard state.preallocatedEnd > sizeInBytes else { return }
            _ = ftruncate(descriptor, off_t(sizeInBytes))
            state.preallocatedEnd = 0
        }
    }

    private static func piece(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> iovec {
        iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset), iov_len: bytes.count - offset)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try append(RecordsToWrite(bytes))
    }

    /// Reads up to `count` bytes at `position` into `buffer`; returns how many were read (short at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int) throws(StorageError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Forces written data to disk (`fdatasync`: the size is metadata that matters, and fdatasync covers it).
    func flush() throws(StorageError) {
        guard fdatasync(descriptor) == 0 else { throw .io("fdatasync", path: path, errno: errno) }
    }

    /// Cuts the file to `newSize` bytes (recovery of a torn tail, follower truncation).
    func truncate(to newSize: Int) throws(StorageError) {
        precondition(newSize >= 0 && newSize <= max(sizeInBytes, newSize))
        guard ftruncate(descriptor, off_t(newSize)) == 0 else { throw .io("ftruncate", path: path, errno: errno) }
        // ftruncate also freed any space allocated ahead.
        state.withLock { $0.preallocatedEnd = 0 }
        size.store(newSize, ordering: .releasing)
    }

    /// The file's length on disk, which may exceed `sizeInBytes` after a crash.
    func lengthOnDisk() throws(StorageError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io("fstat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    func rename(to newPath: String) throws(StorageError) {
        let old = path
        guard Glibc.rename(old, newPath) == 0 else { throw .io("rename", path: old, errno: errno) }
        state.withLock { $0.path = newPath }
    }

    /// Unlinks the file; open slices keep reading through the descriptor.
    func delete() throws(StorageError) {
        let current = path
        guard unlink(current) == 0 || errno == ENOENT else { throw .io("unlink", path: current, errno: errno) }
    }

    /// A range of this file for zero-copy sending.
    public func slice(position: Int, count: Int) -> FileSlice {
        FileSlice(file: self, position: position, count: count)
    }
}

/// Bytes of a segment file, ready for `sendfile`: the network layer lends `file.descriptor` to a `FileRegion` for
/// the write (no descriptor is duplicated). Holding a slice keeps the descriptor open.
public struct FileSlice: Sendable {
    public let file: SegmentFile
    public let position: Int
    public let count: Int

    /// Appends the bytes to `buffer`, read straight into its storage (one copy: a TLS connection, which cannot use
    /// `sendfile`, encrypts from there). A file shorter than the slice (truncated meanwhile) fails.
    public func read(appendingTo buffer: inout ByteBuffer) throws(StorageError) {
        var failure: StorageError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
            do {
                let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer[..<count]), at: position)
                if got < count { failure = .io("read", path: file.path, errno: EIO) }
                return failure == nil ? got : 0
            } catch {
                failure = error as? StorageError ?? .io("read", path: file.path, errno: EIO)
                return 0
            }
        }
        if let failure { throw failure }
    }

    /// Copies the bytes (for the read+send path and for tests).
    public func readBytes() throws(StorageError) -> [UInt8] {
        var failure: StorageError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do {
                initialized = try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: position)
            } catch {
                failure = error as? StorageError ?? .io("read", path: file.path, errno: EIO)
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
