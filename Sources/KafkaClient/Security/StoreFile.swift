#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a key or trust store file whole, with the operating system's reason when it cannot ("No such file or
/// directory", "Permission denied"), and refuses files larger than `SslSettings.maxStoreBytes`.
enum StoreFile {
    static func load(key: String, path: String) throws(SslConfigError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadableFile(key: key, path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(key: key, path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= SslSettings.maxStoreBytes else {
                throw .unreadableFile(key: key, path: path, reason: "larger than \(SslSettings.maxStoreBytes) bytes, not a key or trust store")
            }
        }
        guard !bytes.isEmpty else { throw .invalidContents(key: key, path: path, reason: "the file is empty") }
        return bytes
    }
}
