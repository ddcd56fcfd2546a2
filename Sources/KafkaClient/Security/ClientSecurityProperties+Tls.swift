extension ClientSecurityProperties {
    /// TLS from `ssl.*` client properties. Placeholder until the TLS client lands: refuses clearly.
    static func applyTls(
        _ properties: [String: String], to configuration: inout KafkaConnectionConfiguration
    ) throws(ClientSecurityError) {
        throw ClientSecurityError("security.protocol SSL and SASL_SSL are not supported by this client yet")
    }
}
