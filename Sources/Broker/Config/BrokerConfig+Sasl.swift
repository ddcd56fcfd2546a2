import Coordination
import KafkaClient

/// What a SASL listener needs from the configuration, checked at startup so a broker never starts with a SASL
/// listener nobody can log in to.
struct SaslListenerConfig: Sendable, Hashable {
    /// `sasl.enabled.mechanisms` of the listener.
    var enabledMechanisms: [String]
    /// PLAIN's users (`user_<name>` of the listener's PLAIN JAAS config).
    var plainUsers: [String: String]
    /// `sasl.server.max.receive.size`.
    var maxReceiveSize: Int
    /// `connections.max.reauth.ms`.
    var maxReauthMs: Int64
    /// `connection.failed.authentication.delay.ms`.
    var failedAuthenticationDelayMs: Int64

    /// The mechanisms Gregor implements.
    static let supportedMechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
}

extension BrokerConfig {
    /// The SASL settings of `listener`, or an error naming the key to fix.
    func saslListenerConfig(listener: String) throws(ConfigError) -> SaslListenerConfig {
        let mechanismsKey = keyName("sasl.enabled.mechanisms", listener: listener)
        let mechanisms = list("sasl.enabled.mechanisms", listener: listener)
        guard !mechanisms.isEmpty else {
            throw .invalidValue(key: mechanismsKey, value: "", reason: "a SASL listener (\(listener)) needs at least "
                + "one mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
        }
        for mechanism in mechanisms where !SaslListenerConfig.supportedMechanisms.contains(mechanism) {
            throw .invalidValue(key: mechanismsKey, value: mechanisms.joined(separator: ","),
                                reason: "\(mechanism) is not supported on listener \(listener) (GSSAPI, Kafka's default, "
                                    + "and OAUTHBEARER are not implemented); use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
        }
        var plainUsers: [String: String] = [:]
        if mechanisms.contains("PLAIN") {
            let jaasKey = "listener.name.\(listener.lowercased()).plain.sasl.jaas.config"
            guard let text = jaasConfig(listener: listener, mechanism: "PLAIN") else {
                throw .missingRequired(key: jaasKey + " (PLAIN is enabled on listener \(listener); its users are "
                    + "the user_<name>=\"<password>\" options of \(JaasConfig.plainLoginModule))")
            }
            let jaas: JaasConfig
            do {
                jaas = try JaasConfig.parse(text)
            } catch {
                throw .invalidValue(key: jaasKey, value: "[hidden]", reason: error.description)
            }
            guard jaas.loginModule == JaasConfig.plainLoginModule else {
                throw .invalidValue(key: jaasKey, value: "[hidden]", reason: "PLAIN needs \(JaasConfig.plainLoginModule)")
            }
            plainUsers = jaas.plainUsers
        }
        return SaslListenerConfig(
            enabledMechanisms: mechanisms, plainUsers: plainUsers,
            maxReceiveSize: Int(int("sasl.server.max.receive.size", listener: listener)),
            maxReauthMs: long("connections.max.reauth.ms", listener: listener),
            failedAuthenticationDelayMs: Int64(int("connection.failed.authentication.delay.ms")))
    }

    /// The key as the operator wrote it: prefixed when the listener has its own value.
    func keyName(_ key: String, listener: String) -> String {
        listenerConfigs.values[listener.uppercased()]?[key] != nil ? "listener.name.\(listener.lowercased()).\(key)" : key
    }

    /// Every SASL listener's settings, by listener name; throws for the first one that cannot work.
    func saslListenerConfigs() throws(ConfigError) -> [String: SaslListenerConfig] {
        var configs: [String: SaslListenerConfig] = [:]
        for endPoint in listeners where endPoint.securityProtocol.usesSasl {
            configs[endPoint.listenerName] = try saslListenerConfig(listener: endPoint.listenerName)
        }
        return configs
    }
}

extension BrokerConfig {
    /// The SASL login of the broker's own connections to other brokers (controller requests, replica fetchers,
    /// controlled shutdown) when the inter-broker listener uses SASL: `sasl.mechanism.inter.broker.protocol`, with
    /// the `username` and `password` of that listener's JAAS config for the mechanism, as in Kafka.
    public func interBrokerSasl() throws(ConfigError) -> SaslClientConfiguration? {
        guard listenerSecurityProtocolMap[interBrokerListenerName]?.usesSasl == true else { return nil }
        let listener = interBrokerListenerName
        let mechanism = string("sasl.mechanism.inter.broker.protocol")
        guard list("sasl.enabled.mechanisms", listener: listener).contains(mechanism) else {
            throw .invalidValue(key: "sasl.mechanism.inter.broker.protocol", value: mechanism,
                                reason: "sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms "
                                    + "when SASL is used for inter-broker communication (listener \(listener))")
        }
        let jaasKey = "listener.name.\(listener.lowercased()).\(mechanism.lowercased()).sasl.jaas.config"
        guard let text = jaasConfig(listener: listener, mechanism: mechanism) else {
            throw .missingRequired(key: jaasKey + " (the broker logs in to other brokers with its username and password)")
        }
        do {
            return try SaslClientConfiguration(mechanism: mechanism, jaasConfig: text)
        } catch {
            throw .invalidValue(key: jaasKey, value: "[hidden]", reason: error.description)
        }
    }
}

extension SaslListenerConfig {
    /// What each connection's authenticator gets: these settings and the broker's SCRAM credentials.
    func authenticatorSettings(credentials: CredentialCache) -> SaslServerAuthenticator.Settings {
        SaslServerAuthenticator.Settings(
            enabledMechanisms: enabledMechanisms, plainUsers: plainUsers, maxReauthMs: maxReauthMs,
            failedAuthenticationDelayMs: failedAuthenticationDelayMs,
            scramCredential: { mechanism, user in credentials.credential(user: user, mechanism: mechanism) })
    }
}
