/// Kafka's security protocols; a listener's protocol comes from `listener.security.protocol.map`.
/// The ids are the ones the wire protocol uses (`security_protocol_type` in UpdateMetadata).
public enum SecurityProtocol: String, Sendable, Hashable, CaseIterable {
    case plaintext = "PLAINTEXT"
    case ssl = "SSL"
    case saslPlaintext = "SASL_PLAINTEXT"
    case saslSsl = "SASL_SSL"

    public var id: Int16 {
        switch self {
        case .plaintext: 0
        case .ssl: 1
        case .saslPlaintext: 2
        case .saslSsl: 3
        }
    }
}

/// One listener: a name (upper-cased, as Kafka normalises it), a host, a port and the listener's security protocol.
/// An empty host means every interface when binding; in `BrokerConfig.advertisedListeners` it has already been
/// replaced by the machine's host name.
public struct EndPoint: Sendable, Hashable, CustomStringConvertible {
    public var listenerName: String
    public var host: String
    public var port: Int
    public var securityProtocol: SecurityProtocol

    public init(listenerName: String, host: String, port: Int, securityProtocol: SecurityProtocol) {
        self.listenerName = listenerName
        self.host = host
        self.port = port
        self.securityProtocol = securityProtocol
    }

    /// `PLAINTEXT://127.0.0.1:9092`, as written in configuration and in the broker's znode; IPv6 hosts in brackets.
    public var connectionString: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(listenerName)://\(hostPart):\(port)"
    }

    /// The address to bind: the wildcard `0.0.0.0` for an empty host.
    public var bindHost: String { host.isEmpty ? "0.0.0.0" : host }

    public var description: String { connectionString }
}

extension EndPoint {
    /// The characters Kafka's listener pattern allows in a host (names, IPv4, IPv6 with zone).
    private static let hostCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-%._:")

    /// Parses a comma-separated listener list (`listeners`, `advertised.listeners`) against the protocol map.
    /// Names must be unique, and so must ports other than 0 (0 picks a free port, which tests use).
    static func parseList(
        _ text: String,
        key: String,
        protocols: [String: SecurityProtocol]
    ) throws(ConfigError) -> [EndPoint] {
        let items = text.split(separator: ",").map { String($0).trimmingJavaWhitespace() }.filter { !$0.isEmpty }
        var endPoints: [EndPoint] = []
        for item in items {
            guard let (name, host, port) = split(item) else {
                throw .invalidValue(key: key, value: text, reason: "unable to parse '\(item)' as NAME://host:port")
            }
            guard let securityProtocol = protocols[name] else {
                throw .invalidValue(key: key, value: text, reason: "no security protocol defined for listener "
                    + "\(name) in listener.security.protocol.map")
            }
            if endPoints.contains(where: { $0.listenerName == name }) {
                throw .invalidValue(key: key, value: text, reason: "each listener must have a different name")
            }
            if port != 0, endPoints.contains(where: { $0.port == port }) {
                throw .invalidValue(key: key, value: text, reason: "each listener must have a different port")
            }
            endPoints.append(EndPoint(listenerName: name, host: host, port: port, securityProtocol: securityProtocol))
        }
        return endPoints
    }

    /// `NAME://host:port` or `NAME://[ipv6]:port` into an upper-cased name, a host (maybe empty) and a port.
    private static func split(_ item: String) -> (String, String, Int)? {
        guard let schemeEnd = item.range(of: "://") else { return nil }
        let name = item[..<schemeEnd.lowerBound].uppercased()
        var rest = item[schemeEnd.upperBound...]
        let host: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            rest = rest.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            host = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
        }
        guard !name.isEmpty, host.allSatisfy(hostCharacters.contains),
            !rest.isEmpty, rest.allSatisfy(\.isASCII), rest.allSatisfy(\.isNumber),
            let port = Int(rest), port <= 65535
        else { return nil }
        return (name, String(host), port)
    }

    /// `listener.security.protocol.map`: `NAME:PROTOCOL` pairs, names and protocols case-insensitive.
    static func parseProtocolMap(_ text: String, key: String) throws(ConfigError) -> [String: SecurityProtocol] {
        var map: [String: SecurityProtocol] = [:]
        for item in text.split(separator: ",").map({ String($0).trimmingJavaWhitespace() }) where !item.isEmpty {
            guard let colon = item.lastIndex(of: ":") else {
                throw .invalidValue(key: key, value: text, reason: "expected NAME:PROTOCOL, got '\(item)'")
            }
            let name = String(item[..<colon]).trimmingJavaWhitespace().uppercased()
            let protocolName = String(item[item.index(after: colon)...]).trimmingJavaWhitespace().uppercased()
            guard !name.isEmpty, let securityProtocol = SecurityProtocol(rawValue: protocolName) else {
                let known = SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidValue(key: key, value: text, reason: "in '\(item)': expected NAME:PROTOCOL with "
                    + "PROTOCOL one of \(known)")
            }
            map[name] = securityProtocol
        }
        return map
    }
}
