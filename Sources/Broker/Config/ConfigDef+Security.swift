extension ConfigDef {
    /// Kafka's TLS and SASL settings that Gregor implements. Each may also be given per listener as
    /// `listener.name.<listener>.<key>` (listener name in lower case), which wins over the plain key, as in Kafka.
    /// Keystores and truststores are PEM files (Kafka 2.7's `PEM` store type) or PKCS12; Java's JKS is not readable
    /// outside a JVM.
    static let securityKeys: [ConfigKey] = [
        ConfigKey("ssl.keystore.type", .string, .value("JKS"), .oneOf(["JKS", "PKCS12", "PEM"]),
                  doc: "Format of ssl.keystore.location: PEM (private key and certificate chain in one file) or PKCS12. JKS is Kafka's default and is refused with a hint: Gregor reads PEM and PKCS12."),
        ConfigKey("ssl.keystore.location", .string, .none,
                  doc: "The broker's private key and certificate chain (required on SSL and SASL_SSL listeners unless ssl.keystore.key is set)."),
        ConfigKey("ssl.keystore.password", .password, .none,
                  doc: "Password of a PKCS12 keystore."),
        ConfigKey("ssl.key.password", .password, .none,
                  doc: "Password of an encrypted PEM private key."),
        ConfigKey("ssl.keystore.key", .password, .none,
                  doc: "The private key in PEM, inline (with ssl.keystore.type=PEM), instead of a file."),
        ConfigKey("ssl.keystore.certificate.chain", .password, .none,
                  doc: "The certificate chain in PEM, inline (with ssl.keystore.type=PEM and ssl.keystore.key)."),
        ConfigKey("ssl.truststore.type", .string, .value("JKS"), .oneOf(["JKS", "PKCS12", "PEM"]),
                  doc: "Format of ssl.truststore.location: PEM (CA certificates) or PKCS12."),
        ConfigKey("ssl.truststore.location", .string, .none,
                  doc: "CA certificates that client certificates (and, for inter-broker connections, broker certificates) must chain to; unset means the system's CAs."),
        ConfigKey("ssl.truststore.password", .password, .none,
                  doc: "Password of a PKCS12 truststore."),
        ConfigKey("ssl.truststore.certificates", .password, .none,
                  doc: "CA certificates in PEM, inline (with ssl.truststore.type=PEM), instead of a file."),
        ConfigKey("ssl.client.auth", .string, .value("none"), .oneOf(["none", "requested", "required"]),
                  doc: "Whether SSL listeners ask clients for a certificate: required refuses clients without one; with one, the principal is User:<subject DN>."),
        ConfigKey("ssl.enabled.protocols", .list, .value("TLSv1.2,TLSv1.3"), .eachOneOf(["TLSv1.2", "TLSv1.3"]),
                  doc: "TLS versions accepted."),
        ConfigKey("ssl.endpoint.identification.algorithm", .string, .value("https"),
                  doc: "https: the broker checks the host name of brokers it connects to against their certificate; empty turns the check off."),
        ConfigKey("sasl.enabled.mechanisms", .list, .value("GSSAPI"),
                  doc: "SASL mechanisms SASL listeners offer: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. GSSAPI (Kerberos), Kafka's default, is not implemented: a SASL listener must set this."),
        ConfigKey("sasl.mechanism.inter.broker.protocol", .string, .value("GSSAPI"),
                  doc: "The SASL mechanism the broker uses on a SASL inter-broker listener; its user and password come from that listener's JAAS config for the mechanism."),
        ConfigKey("sasl.server.max.receive.size", .int, .value("524288"), .atLeast(1),
                  doc: "The largest SASL token accepted before authentication; a bigger one closes the connection."),
        ConfigKey("connection.failed.authentication.delay.ms", .int, .value("100"), .atLeast(0),
                  doc: "How long the broker waits before closing a connection whose SASL authentication failed (after the error answer), which slows down password guessing."),
        ConfigKey("connections.max.reauth.ms", .long, .value("0"), .atLeast(0),
                  doc: "When positive, SASL sessions expire after this long (or at the credential's end, if sooner) and clients must re-authenticate (KIP-368); 0 means never."),
    ]

    /// Keys that `listener.name.<listener>.` may prefix.
    static let listenerPrefixableKeys: Set<String> = Set(securityKeys.map(\.name)).subtracting(
        ["sasl.mechanism.inter.broker.protocol", "connection.failed.authentication.delay.ms"])
}
