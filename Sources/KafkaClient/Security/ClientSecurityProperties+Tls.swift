extension ClientSecurityProperties {
    /// TLS from the `ssl.*` client properties (truststore, keystore for client authentication, host name check).
    static func applyTls(
        _ properties: [String: String], to configuration: inout KafkaConnectionConfiguration
    ) throws(ClientSecurityError) {
        do {
            configuration.tls = try SslSettings(lookup: { properties[$0] }).clientTLSConfiguration()
        } catch {
            throw ClientSecurityError(error.description)
        }
    }
}
