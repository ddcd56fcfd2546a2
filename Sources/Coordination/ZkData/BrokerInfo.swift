/// What `/brokers/ids/<id>` says about a live broker (Kafka's `BrokerIdZNode`, JSON version 5).
public struct BrokerInfo: Sendable, Hashable {
    public var id: Int32
    public var endPoints: [EndPoint]
    public var rack: String?
    public var jmxPort: Int
    public var timestampMs: String

    public init(id: Int32, endPoints: [EndPoint], rack: String?, jmxPort: Int = -1, timestampMs: String? = nil) {
        self.id = id
        self.endPoints = endPoints
        self.rack = rack
        self.jmxPort = jmxPort
        self.timestampMs = timestampMs ?? currentTimeMillisString()
    }

    /// Kafka's legacy `host`/`port` fields name the PLAINTEXT endpoint, if there is one.
    var plaintext: EndPoint? { endPoints.first { $0.securityProtocol == .plaintext } }

    private struct JSON: Codable {
        var version: Int
        var host: String?
        var port: Int
        var jmx_port: Int
        var timestamp: String
        var endpoints: [String]
        var listener_security_protocol_map: [String: String]
        var rack: String?
        var features: [String: [String: Int]]?
    }

    public func encoded() -> [UInt8] {
        let map = Dictionary(endPoints.map { ($0.listenerName, $0.securityProtocol.rawValue) }, uniquingKeysWith: { a, _ in a })
        return ZkJSON.encode(JSON(
            version: 5, host: plaintext?.host, port: plaintext?.port ?? -1, jmx_port: jmxPort,
            timestamp: timestampMs, endpoints: endPoints.map(\.connectionString), listener_security_protocol_map: map,
            rack: rack, features: [:]))
    }

    public static func decode(id: Int32, from bytes: [UInt8]) throws -> BrokerInfo {
        let path = ZkPaths.broker(id)
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        let endPoints = try json.endpoints.map { text -> EndPoint in
            guard let schemeEnd = text.range(of: "://"), let colon = text.lastIndex(of: ":"),
                colon > schemeEnd.lowerBound, let port = Int(text[text.index(after: colon)...])
            else { throw ZkDataError.malformed(path: path, text: text) }
            let name = String(text[..<schemeEnd.lowerBound])
            var host = Substring(text[schemeEnd.upperBound..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }  // IPv6
            guard let securityProtocol = SecurityProtocol(rawValue: json.listener_security_protocol_map[name] ?? name)
            else { throw ZkDataError.malformed(path: path, text: text) }
            return EndPoint(listenerName: name, host: String(host), port: port, securityProtocol: securityProtocol)
        }
        return BrokerInfo(id: id, endPoints: endPoints, rack: json.rack, jmxPort: json.jmx_port, timestampMs: json.timestamp)
    }
}
