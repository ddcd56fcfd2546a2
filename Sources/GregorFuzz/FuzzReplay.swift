/// Sends one saved frame on a new connection and says what the broker did with it.
public enum FuzzReplay {
    public static func send(_ frame: [UInt8], host: String, port: Int, timeoutMs: Int32 = 150_000) -> String {
        do throws(FuzzConnection.Failure) {
            let connection = try FuzzConnection(host: host, port: port)
            try connection.send(frame)
            let id = try connection.receiveCorrelationId(timeoutMs: timeoutMs)
            return "answered (correlation id \(id))"
        } catch {
            switch error {
            case .refused(let code): return "connection refused (errno \(code)): is the broker running?"
            case .closed: return "the broker closed the connection"
            case .timedOut: return "no answer within \(timeoutMs) ms"
            }
        }
    }
}
