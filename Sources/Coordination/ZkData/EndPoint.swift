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

    /// SSL and SASL_SSL.
    public var usesTls: Bool { self == .ssl || self == .saslSsl }
    /// SASL_PLAINTEXT and SASL_SSL.
    public var usesSasl: Bool { self == .saslPlaintext || self == .saslSsl }
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
