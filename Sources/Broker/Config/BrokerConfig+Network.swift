import NIOCore

extension BrokerConfig {
    /// `max.connections.per.ip.overrides` in Kafka's format, `host:count,host:count` (blanks around separators
    /// ignored, the count after the last colon so IPv6 addresses work), each count a non-negative int. Hosts are
    /// kept as written; `SocketServer` resolves names to addresses when it starts, as Kafka's `ConnectionQuotas` does.
    static func maxConnectionsPerIpOverrides(_ text: String) throws(ConfigError) -> [String: Int] {
        let key = "max.connections.per.ip.overrides"
        var overrides: [String: Int] = [:]
        for entry in text.split(separator: ",") {
            let trimmed = String(entry).trimmingJavaWhitespace()
            if trimmed.isEmpty { continue }
            guard let colon = trimmed.lastIndex(of: ":") else {
                throw .invalidValue(key: key, value: text, reason: "'\(trimmed)' is not host:count")
            }
            let host = String(trimmed[..<colon]).trimmingJavaWhitespace()
            let countText = String(trimmed[trimmed.index(after: colon)...]).trimmingJavaWhitespace()
            guard !host.isEmpty else {
                throw .invalidValue(key: key, value: text, reason: "'\(trimmed)' has no host")
            }
            guard let count = Int32(countText), count >= 0 else {
                throw .invalidValue(key: key, value: text, reason: "'\(countText)' in '\(trimmed)' is not a count between 0 and \(Int32.max)")
            }
            overrides[host] = Int(count)
        }
        return overrides
    }

    /// Kafka's rule: a per-address limit of zero only makes sense with overrides that let someone in.
    func validateConnectionQuotas() throws(ConfigError) {
        if int("max.connections.per.ip") == 0, maxConnectionsPerIpOverrides.isEmpty {
            throw .invalidValue(key: "max.connections.per.ip", value: "0",
                                reason: "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides is set")
        }
    }
}

extension BrokerConfig {
    /// `connections.max.idle.ms`; nil when negative, which disables closing idle connections (Kafka's `Selector`
    /// has no idle expiry then).
    public var connectionsMaxIdle: TimeAmount? {
        connectionsMaxIdleMs < 0 ? nil : .milliseconds(connectionsMaxIdleMs)
    }

    /// `socket.send.buffer.bytes`; nil for -1 (Kafka's "OS default"), and for 0 or less, which Java's
    /// `setSendBufferSize` would refuse.
    public var socketSendBufferBytes: Int32? { positive(int("socket.send.buffer.bytes")) }

    /// `socket.receive.buffer.bytes`, as `socketSendBufferBytes`.
    public var socketReceiveBufferBytes: Int32? { positive(int("socket.receive.buffer.bytes")) }

    private func positive(_ value: Int32) -> Int32? { value > 0 ? value : nil }
}
