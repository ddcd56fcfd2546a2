extension ClientSecurityProperties {
    /// TLS from `ssl.*` client properties (`SslSettings`): the truststore that verifies brokers (the system's CAs
    /// when unset), `ssl.endpoint.identification.algorithm`, and the keystore presented to brokers that ask for a
    /// client certificate.
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
