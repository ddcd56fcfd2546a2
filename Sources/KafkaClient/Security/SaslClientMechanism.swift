import KafkaProtocol

/// The client side of one SASL exchange (Java's `SaslClient`): the first token, then an answer to each server
/// token until the server's last one checks out. PLAIN is one message; SCRAM is two round trips and ends by
/// verifying the server's signature, so a client also knows the broker holds its credential.
struct SaslClientMechanism: Sendable {
    private enum State: Sendable {
        case plain
        case scramFirst(ScramFormatter, ScramMessages.ClientFirst)
        case scramFinal(ScramFormatter, serverSignature: [UInt8])
        case complete
    }

    private var state: State
    private let configuration: SaslClientConfiguration

    init(_ configuration: SaslClientConfiguration, nonce: String = ScramFormatter.randomNonce()) throws(SaslClientError) {
        self.configuration = configuration
        if configuration.mechanism == "PLAIN" {
            state = .plain
        } else if let scram = ScramMechanism(mechanismName: configuration.mechanism) {
            state = .scramFirst(ScramFormatter(scram), ScramMessages.ClientFirst(username: configuration.username, nonce: nonce))
        } else {
            throw SaslClientError("SASL mechanism \(configuration.mechanism) is not supported (use "
                + SaslClientConfiguration.supportedMechanisms.joined(separator: ", ") + ")")
        }
    }

    var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// The token that opens the exchange.
    func initialResponse() -> [UInt8] {
        switch state {
        case .plain: Array("\u{0}\(configuration.username)\u{0}\(configuration.password)".utf8)
        case .scramFirst(_, let first): Array(first.message.utf8)
        case .scramFinal, .complete: []
        }
    }

    /// The answer to a server token; nil when the exchange is over (nothing more to send).
    mutating func evaluate(challenge: [UInt8]) throws(SaslClientError) -> [UInt8]? {
        switch state {
        case .plain:
            state = .complete
            return nil
        case .scramFirst(let formatter, let first):
            guard let server = ScramMessages.ServerFirst(challenge) else {
                throw SaslClientError("invalid SCRAM server-first message")
            }
            guard server.nonce.hasPrefix(first.nonce), server.nonce.count > first.nonce.count else {
                throw SaslClientError("the server's SCRAM nonce does not extend the client's")
            }
            guard server.iterations >= ScramMechanism.minIterations, server.iterations <= 1_000_000 else {
                throw SaslClientError("the server asked for \(server.iterations) SCRAM iterations")
            }
            let salted: [UInt8]
            do {
                salted = try formatter.saltedPassword(configuration.password, salt: server.salt, iterations: server.iterations)
            } catch {
                throw SaslClientError("cannot derive the SCRAM key: \(error)")
            }
            var final = ScramMessages.ClientFinal(nonce: server.nonce, proof: [])
            let authMessage = ScramMessages.authMessage(first, server, final)
            final.proof = formatter.clientProof(saltedPassword: salted, authMessage: authMessage)
            let expected = formatter.serverSignature(
                serverKey: formatter.serverKey(saltedPassword: salted), authMessage: authMessage)
            state = .scramFinal(formatter, serverSignature: expected)
            return Array(final.message.utf8)
        case .scramFinal(_, let expected):
            switch ScramMessages.ServerFinal(challenge) {
            case .verifier(let signature)? where signature == expected:
                state = .complete
                return nil
            case .error(let text)?:
                throw SaslClientError("the server refused the SCRAM proof: \(text)")
            default:
                throw SaslClientError("the server's SCRAM signature does not match: it does not hold this user's credential")
            }
        case .complete:
            return nil
        }
    }
}

public struct SaslClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
