/// Kafka client security settings (`security.protocol`, `sasl.mechanism`, `sasl.jaas.config`, `ssl.*`) applied to
/// a connection configuration, as Kafka's tools read them from `--command-config client.properties`.
public enum ClientSecurityProperties {
    /// Sets `configuration.sasl` (and TLS, for SSL and SASL_SSL) from Kafka client property names.
    /// PLAINTEXT (the default) changes nothing.
    public static func apply(
        _ properties: [String: String], to configuration: inout KafkaConnectionConfiguration
    ) throws(ClientSecurityError) {
        let securityProtocol = (properties["security.protocol"] ?? "PLAINTEXT").uppercased()
        guard ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].contains(securityProtocol) else {
            throw ClientSecurityError("security.protocol=\(securityProtocol) is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
        }
        if securityProtocol.hasPrefix("SASL_") {
            configuration.sasl = try sasl(properties)
        }
        if securityProtocol.hasSuffix("SSL") {
            try applyTls(properties, to: &configuration)
        }
    }

    /// `sasl.mechanism` (Kafka's default GSSAPI is not implemented) with the `username` and `password` of
    /// `sasl.jaas.config`.
    static func sasl(_ properties: [String: String]) throws(ClientSecurityError) -> SaslClientConfiguration {
        let mechanism = properties["sasl.mechanism"] ?? "GSSAPI"
        guard SaslClientConfiguration.supportedMechanisms.contains(mechanism) else {
            throw ClientSecurityError("sasl.mechanism=\(mechanism) is not supported; use "
                + SaslClientConfiguration.supportedMechanisms.joined(separator: ", "))
        }
        guard let text = properties["sasl.jaas.config"] else {
            throw ClientSecurityError("sasl.jaas.config is required with security.protocol SASL_*: e.g. "
                + "\(mechanism == "PLAIN" ? JaasConfig.plainLoginModule : JaasConfig.scramLoginModule) required "
                + "username=\"alice\" password=\"alice-secret\";")
        }
        do {
            return try SaslClientConfiguration(mechanism: mechanism, jaasConfig: text)
        } catch {
            throw ClientSecurityError("sasl.jaas.config: \(error.description)")
        }
    }
}

public struct ClientSecurityError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
