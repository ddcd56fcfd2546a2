import Glibc
import Synchronization

/// Free loopback ports for servers started by tests.
///
/// The kernel picks the port (bind to 127.0.0.1:0), and this process never hands out the same port twice, so
/// tests running in parallel never race each other for one. Another program may still take the port before our
/// server binds it; fixtures detect that ("Address already in use") and retry with a new port.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port that was free a moment ago and that no other caller in this process has been given.
    public static func next() -> Int {
        for _ in 0..<1_000 {
            guard let port = ephemeralPort() else { continue }
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        // Only reachable if the machine is out of sockets; a test cannot proceed without a port.
        fatalError("FreePort: no free loopback port after 1000 attempts (errno \(errno))")
    }

    private static func ephemeralPort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
