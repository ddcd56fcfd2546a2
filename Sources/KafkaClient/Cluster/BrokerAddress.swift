/// Where a broker listens: `host:port` as in `bootstrap.servers` (IPv6 hosts in brackets, `[::1]:9092`).
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`.
    public init?(parsing text: some StringProtocol) {
        let text = text.trimmingPrefix(while: \.isWhitespace)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil  // an IPv6 address without brackets is ambiguous
        }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }

    /// A comma-separated list, as in `--bootstrap-server a:9092,b:9092`.
    ///
    /// - Throws: `BrokerAddressError` naming the first entry that is not `host:port`.
    public static func parseList(_ text: String) throws(BrokerAddressError) -> [BrokerAddress] {
        let entries = text.split(separator: ",", omittingEmptySubsequences: true)
        guard !entries.isEmpty else { throw BrokerAddressError(text: text) }
        var addresses: [BrokerAddress] = []
        for entry in entries {
            guard let address = BrokerAddress(parsing: entry) else { throw BrokerAddressError(text: String(entry)) }
            addresses.append(address)
        }
        return addresses
    }

    public var description: String { KafkaClientError.address(host, port) }
}

/// A bootstrap server entry that is not `host:port`.
public struct BrokerAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String

    public var description: String { "invalid broker address '\(text)': expected host:port" }
}
