import Glibc

/// A blocking TCP connection to the broker with timeouts: the fuzzer's workers are plain threads, so a slow or
/// silent broker never stalls more than the worker waiting on it.
final class FuzzConnection {
    enum Failure: Error {
        case refused(Int32)
        /// The broker closed the connection (what it does with a frame it cannot parse).
        case closed
        case timedOut
    }

    private let fd: Int32

    init(host: String, port: Int) throws(Failure) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .refused(errno) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw .refused(code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        self.fd = fd
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count <= 0 {
                if count < 0, errno == EINTR { continue }
                throw .closed
            }
            sent += count
        }
    }

    /// The next response's correlation id, or a failure; the body is read and dropped.
    func receiveCorrelationId(timeoutMs: Int32) throws(Failure) -> Int32 {
        let sizeBytes = try receive(4, timeoutMs: timeoutMs)
        let size = Int32(bitPattern: sizeBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.bigEndian)
        guard size >= 4, size <= 256 << 20 else { throw .closed }
        let payload = try receive(Int(size), timeoutMs: timeoutMs)
        return Int32(bitPattern: payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.bigEndian)
    }

    private func receive(_ count: Int, timeoutMs: Int32) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMs)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { throw .timedOut }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, count - received, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .closed }
            received += n
        }
        return buffer
    }
}
