/// How a client authenticates on a SASL listener: Kafka's `sasl.mechanism` and the `username`/`password` of
/// `sasl.jaas.config`.
public struct SaslClientConfiguration: Sendable, Hashable {
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    public var mechanism: String
    public var username: String
    public var password: String

    public static let supportedMechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

    public init(mechanism: String, username: String, password: String) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
    }

    /// The login of a `sasl.jaas.config` value: its `username` and `password` options (Kafka's Plain and Scram
    /// login modules). Throws a message for the operator, without the config's text (it holds the password).
    public init(mechanism: String, jaasConfig text: String) throws(JaasConfigError) {
        let jaas = try JaasConfig.parse(text)
        guard let (username, password) = jaas.credentials else {
            throw JaasConfigError("the login needs username=\"...\" and password=\"...\" options")
        }
        self.init(mechanism: mechanism, username: username, password: password)
    }
}
