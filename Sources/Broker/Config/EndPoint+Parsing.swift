import Coordination

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
