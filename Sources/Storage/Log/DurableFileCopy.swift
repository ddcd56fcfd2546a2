import Glibc

/// Copies for a log moving between log dirs: every copied byte is on disk (fsync) before the copy counts, because
/// the source is deleted once the move completes and the copy must then hold every acknowledged record.
enum DurableFileCopy {
    /// Copies the first `length` bytes of `source` (all of it when nil) into a new file `destination`, then
    /// fsyncs it. Returns the bytes copied.
    @discardableResult
    static func copy(_ source: String, to destination: String, length: Int? = nil) throws(StorageError) -> Int {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io("open", path: source, errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw .io("create", path: destination, errno: errno) }
        defer { close(output) }
        let chunkBytes = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        var copied = 0
        while length.map({ copied < $0 }) ?? true {
            let wanted = min(chunkBytes, length.map { $0 - copied } ?? chunkBytes)
            let count = pread(input, buffer, wanted, off_t(copied))
            if count < 0 {
                if errno == EINTR { continue }
                throw .io("read", path: source, errno: errno)
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let n = pwrite(output, buffer + written, count - written, off_t(copied + written))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io("write", path: destination, errno: errno)
                }
                written += n
            }
            copied += count
        }
        if let length, copied < length {
            throw .io("read (file shorter than expected)", path: source, errno: EIO)
        }
        guard fsync(output) == 0 else { throw .io("fsync", path: destination, errno: errno) }
        return copied
    }

    /// Makes the directory's entries (new files, renames) durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open directory", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io("fsync directory", path: path, errno: errno) }
    }

    /// Renames `source` to `destination` (same file system) and makes both parents' entries durable.
    static func rename(_ source: String, to destination: String) throws(StorageError) {
        guard Glibc.rename(source, destination) == 0 else { throw .io("rename", path: source, errno: errno) }
        try syncDirectory(parent(of: destination))
        let sourceParent = parent(of: source)
        if sourceParent != parent(of: destination) { try syncDirectory(sourceParent) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
