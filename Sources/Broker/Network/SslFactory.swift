import Coordination
import KafkaClient
import NIOSSL

/// TLS for the broker (Kafka's `SslFactory`, one per listener): the server contexts of its SSL and SASL_SSL
/// listeners, and the client side of its own connections to other brokers. Each listener reads the `ssl.*` keys
/// with its `listener.name.<listener>.` overrides first. Everything is read and checked at startup: a TLS listener
/// without a keystore, a missing file or a wrong password stops the broker with a message naming the key and file.
enum SslFactory {
    /// The server TLS context of every SSL and SASL_SSL listener, by listener name.
    static func serverContexts(_ config: BrokerConfig) throws(SslFactoryError) -> [String: NIOSSLContext] {
        var contexts: [String: NIOSSLContext] = [:]
        for endPoint in config.listeners where endPoint.securityProtocol.usesTls {
            let listener = endPoint.listenerName
            let tls = try listenerError(listener) { () throws(SslConfigError) in
                try serverConfiguration(config, listener: listener)
            }
            do {
                contexts[listener] = try NIOSSLContext(configuration: tls)
            } catch {
                throw .invalid(listener: listener, reason: "cannot build the TLS context (does the private key belong to the first certificate of the chain?): \(error)")
            }
        }
        return contexts
    }

    /// The server side of one listener: its keystore (required), `ssl.client.auth` checked against its truststore
    /// (the system's CAs when none is set), `ssl.enabled.protocols`.
    static func serverConfiguration(_ config: BrokerConfig, listener: String) throws(SslConfigError) -> TLSConfiguration {
        let settings = config.sslSettings(listener: listener)
        guard let keyStore = try settings.keyStore() else {
            throw .missing(
                key: "ssl.keystore.location",
                reason: "listener \(listener) uses TLS and needs a keystore: set ssl.keystore.type=PEM (or PKCS12) and "
                    + "ssl.keystore.location (or listener.name.\(listener.lowercased()).ssl.keystore.location), or "
                    + "ssl.keystore.key and ssl.keystore.certificate.chain")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: keyStore.certificateChain.map { .certificate($0) }, privateKey: .privateKey(keyStore.privateKey))
        let versions = try settings.tlsVersions()
        tls.minimumTLSVersion = versions.minimum
        tls.maximumTLSVersion = versions.maximum
        if let certificates = try settings.trustedCertificates() {
            tls.trustRoots = .certificates(certificates)
            tls.sendCANameList = true
        }
        switch config.string("ssl.client.auth", listener: listener) {
        case "required": tls.certificateVerification = .noHostnameVerification
        case "requested": tls.certificateVerification = .optionalVerification
        default: tls.certificateVerification = .none
        }
        return tls
    }

    /// The TLS of the broker's connections to the inter-broker listener of other brokers (its own listener's
    /// `ssl.*`: the truststore that verifies them, `ssl.endpoint.identification.algorithm`, and the keystore,
    /// presented when they require client certificates); nil when that listener does not use TLS.
    static func interBrokerClientConfiguration(_ config: BrokerConfig) throws(SslFactoryError) -> TLSConfiguration? {
        let listener = config.interBrokerListenerName
        guard config.listenerSecurityProtocolMap[listener]?.usesTls == true else { return nil }
        return try listenerError(listener) { () throws(SslConfigError) in
            try config.sslSettings(listener: listener).clientTLSConfiguration()
        }
    }

    private static func listenerError<T>(
        _ listener: String, _ body: () throws(SslConfigError) -> T
    ) throws(SslFactoryError) -> T {
        do {
            return try body()
        } catch {
            throw .invalid(listener: listener, reason: "\(error)")
        }
    }
}

/// Why the broker cannot set up TLS for a listener; stops startup.
public enum SslFactoryError: Error, CustomStringConvertible {
    case invalid(listener: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let listener, let reason): return "TLS for listener \(listener): \(reason)"
        }
    }
}

extension BrokerConfig {
    /// The `ssl.*` settings of `listener`, its `listener.name.` values first.
    func sslSettings(listener: String) -> SslSettings {
        SslSettings { key in
            if key == "ssl.enabled.protocols" { return list(key, listener: listener).joined(separator: ",") }
            return stringIfSet(key, listener: listener)
        }
    }
}
