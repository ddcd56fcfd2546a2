/// One SASL server exchange (Java's `SaslServer`): client tokens in, server tokens out, until complete.
/// Value types, one per authentication; pure except for the nonce a SCRAM exchange draws.
protocol SaslServerMechanism: Sendable {
    /// The answer to the client's next token. Throws `SaslFailure` when authentication fails.
    mutating func evaluate(_ response: [UInt8]) throws(SaslFailure) -> [UInt8]
    var isComplete: Bool { get }
    /// The authenticated user, once complete.
    var authorizationId: String? { get }
}

/// Why an exchange failed, and what the client is told: Kafka sends its own message for some failures
/// (`SaslAuthenticationException`) and a generic one for the rest, so that nothing tells a stranger whether a user
/// exists.
struct SaslFailure: Error, Sendable, Equatable {
    /// The message for the client; nil means Kafka's generic "invalid credentials" text.
    var clientMessage: String?
    /// For the broker's log only.
    var reason: String
}
