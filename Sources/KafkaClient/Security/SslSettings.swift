import NIOSSL

/// Kafka's `ssl.*` settings, by Kafka's names, read through a lookup so that every user of TLS reads them the same
/// way: the broker's listeners (with `listener.name.<listener>.` overrides), the broker's own connections to other
/// brokers, and clients given Kafka client properties (`--command-config`).
///
/// Stores: PEM (`ssl.*store.type=PEM`: a key and its certificate chain in one file, or CA certificates; or the same
/// inline in `ssl.keystore.key` + `ssl.keystore.certificate.chain` and `ssl.truststore.certificates`) and PKCS12.
/// JKS, Kafka's default type, is Java's own format and is refused with the commands that convert it.
public struct SslSettings: Sendable {
    /// The keys read; anything else the lookup knows is ignored.
    public static let keys = [
        "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password", "ssl.keystore.key",
        "ssl.keystore.certificate.chain", "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
        "ssl.truststore.certificates", "ssl.enabled.protocols", "ssl.endpoint.identification.algorithm",
    ]

    /// The largest store file read: certificate chains and keys are a few KiB; anything near this is not a store.
    static let maxStoreBytes = 4 * 1024 * 1024

    private let values: [String: String]

    /// - Parameter lookup: the value of a Kafka key, or nil when it is not set (its Kafka default applies).
    public init(lookup: (String) -> String?) {
        var values: [String: String] = [:]
        for key in Self.keys { values[key] = lookup(key) }
        self.values = values
    }

    /// The value of `key` with surrounding whitespace removed; nil when unset or empty.
    func value(_ key: String) -> String? {
        guard let text = values[key]?.trimmingSpaces, !text.isEmpty else { return nil }
        return text
    }

    /// `ssl.endpoint.identification.algorithm`: `https` (Kafka's default) checks that the server's certificate names
    /// the host connected to; an empty value turns the check off.
    public func verifiesHostName() throws(SslConfigError) -> Bool {
        let key = "ssl.endpoint.identification.algorithm"
        guard let text = values[key]?.trimmingSpaces else { return true }
        switch text.lowercased() {
        case "https": return true
        case "": return false
        default: throw .invalidValue(key: key, value: text, reason: "only https (check host names) and an empty value (do not) are supported")
        }
    }

    /// The lowest and highest version of `ssl.enabled.protocols` (Kafka's default: TLSv1.2,TLSv1.3).
    public func tlsVersions() throws(SslConfigError) -> (minimum: TLSVersion, maximum: TLSVersion) {
        let key = "ssl.enabled.protocols"
        let names = (value(key) ?? "TLSv1.2,TLSv1.3").split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        var versions: [TLSVersion] = []
        for name in names {
            switch name {
            case "TLSv1.2": versions.append(.tlsv12)
            case "TLSv1.3": versions.append(.tlsv13)
            default: throw .invalidValue(key: key, value: value(key) ?? "", reason: "\(name) is not supported; use TLSv1.2 and/or TLSv1.3")
            }
        }
        guard !versions.isEmpty else {
            throw .invalidValue(key: key, value: value(key) ?? "", reason: "at least one of TLSv1.2 and TLSv1.3 is needed")
        }
        return (versions.contains(.tlsv12) ? .tlsv12 : .tlsv13, versions.contains(.tlsv13) ? .tlsv13 : .tlsv12)
    }

    /// `ssl.keystore.type` or `ssl.truststore.type`; JKS when unset, as in Kafka.
    func storeType(_ key: String) throws(SslConfigError) -> SslStoreType {
        let text = value(key) ?? SslStoreType.jks.rawValue
        guard let type = SslStoreType(rawValue: text.uppercased()) else {
            throw .invalidValue(key: key, value: text, reason: "the store types are PEM, PKCS12 and JKS")
        }
        return type
    }
}

/// Kafka's `ssl.keystore.type` and `ssl.truststore.type` values.
enum SslStoreType: String, Sendable {
    case jks = "JKS"
    case pkcs12 = "PKCS12"
    case pem = "PEM"
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
