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
}
