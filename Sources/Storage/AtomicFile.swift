import Foundation

/// Small-file I/O that must survive a crash at any instant: the write-temp, fsync, rename, fsync-directory
/// sequence Kafka uses for `meta.properties` and its checkpoint files. Blocking; call it off event loops.
enum AtomicFile {
    /// A failed system call, naming the operation and the file.
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var reason: String

        init(_ operation: String, _ path: String, errno code: Int32 = errno) {
            self.init(operation, path, reason: String(cString: strerror(code)))
        }

        init(_ operation: String, _ path: String, reason: String) {
            self.operation = operation
            self.path = path
            self.reason = reason
        }

        var description: String { "Failed to \(operation) '\(path)': \(reason)" }
    }

    /// Writes `text` to `path + ".tmp"`, fsyncs it, renames it over `path`, then fsyncs the directory so the
    /// rename itself is durable. Creates the directory (and parents) when missing. With `durable: false` the two
    /// fsyncs are skipped: readers still see the old or the new file whole, but a power loss may leave either (or
    /// an empty file), which suits files that are rebuilt from the log when they are wrong.
    static func replace(_ path: String, with text: String, durable: Bool = true) throws(Failure) {
        try replace(path, with: Array(text.utf8), durable: durable)
    }

    /// `replace(_:with:durable:)` for binary contents.
    static func replace(_ path: String, with bytes: [UInt8], durable: Bool = true) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure("create directory", directory, reason: error.localizedDescription)
        }
        let temporaryPath = path + ".tmp"
        do throws(Failure) {
            try writeAndSync(bytes, to: temporaryPath, sync: durable)
            guard rename(temporaryPath, path) == 0 else { throw Failure("rename \(temporaryPath) to", path) }
        } catch {
            unlink(temporaryPath)
            throw error
        }
        if durable { try syncDirectory(directory) }
    }

    /// The file's bytes, or nil when it does not exist. Any other failure (permissions, I/O error) throws.
    static func contentsIfPresent(_ path: String) throws(Failure) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure("open", path)
        }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure("read", path)
            }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    static func removeIfPresent(_ path: String) throws(Failure) {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure("delete", path) }
    }

    private static func writeAndSync(_ bytes: [UInt8], to path: String, sync: Bool) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("create", path) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure("write", path)
            }
            offset += count
        }
        guard !sync || fsync(fd) == 0 else { throw Failure("fsync", path) }
    }

    private static func syncDirectory(_ directory: String) throws(Failure) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open directory", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure("fsync directory", directory) }
    }
}
