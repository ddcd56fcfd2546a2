import Glibc

/// A non-blocking TCP connection to 127.0.0.1, for the raw probes fixtures need (ZooKeeper's 4-letter words,
/// "is anything listening on this port?").
///
/// Every wait polls the socket and sleeps with `Task.sleep` in between, so no thread of the cooperative pool is
/// blocked; every wait has a deadline. The socket is closed when the object goes away. Not shared between tasks.
final class LoopbackConnection {
    private let fd: Int32
    let port: Int

    private init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    deinit { close(fd) }

    /// Connects or throws `FixtureError.systemCall` (ECONNREFUSED when nothing listens, ETIMEDOUT at the deadline).
    static func connect(port: Int, deadline: ContinuousClock.Instant) async throws -> LoopbackConnection {
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_INET, kind, 0)
        guard fd >= 0 else { throw FixtureError.systemCall("socket", errno: errno) }
        let connection = LoopbackConnection(fd: fd, port: port)
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            guard errno == EINPROGRESS else { throw connection.failure("connect", errno) }
            try await connection.wait(for: Int16(POLLOUT), until: deadline, what: "connect")
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
                throw connection.failure("getsockopt", errno)
            }
            guard code == 0 else { throw connection.failure("connect", code) }
        }
        return connection
    }

    /// Writes all of `bytes` before the deadline.
    func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                sent += count
            } else if errno == EAGAIN || errno == EINTR {
                try await wait(for: Int16(POLLOUT), until: deadline, what: "send")
            } else {
                throw failure("send", errno)
            }
        }
    }

    /// Reads until the peer closes (or `limit` bytes), before the deadline.
    func readToEnd(deadline: ContinuousClock.Instant, limit: Int = 1 << 20) async throws -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while received.count < limit {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += chunk[..<count]
            } else if count == 0 {
                break
            } else if errno == EAGAIN || errno == EINTR {
                try await wait(for: Int16(POLLIN), until: deadline, what: "read")
            } else {
                throw failure("recv", errno)
            }
        }
        return received
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant, what: String) async throws {
        while true {
            var entry = pollfd(fd: fd, events: events, revents: 0)
            if poll(&entry, 1, 0) > 0 { return }
            guard ContinuousClock.now < deadline else { throw failure(what, ETIMEDOUT) }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private func failure(_ call: String, _ code: Int32) -> FixtureError {
        .systemCall("\(call) to 127.0.0.1:\(port)", errno: code)
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return address
    }
}

/// Probes of loopback ports, e.g. to wait until a broker listens or to prove a stopped server's port is closed.
public enum LoopbackProbe {
    /// True if a TCP connection to 127.0.0.1:`port` is accepted within `timeout`.
    public static func isListening(port: Int, timeout: Duration = .seconds(1)) async -> Bool {
        (try? await LoopbackConnection.connect(port: port, deadline: .now + timeout)) != nil
    }
}
