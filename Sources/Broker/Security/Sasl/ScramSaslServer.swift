import KafkaProtocol

/// SASL/SCRAM-SHA-256 and -512 (RFC 5802) against the credentials stored in ZooKeeper (`/config/users/<user>`,
/// through the broker's `CredentialCache`), as Kafka's `ScramSaslServer`: client-first in, server-first out,
/// client-final in, server-final out. The server never sees the password, only proves the client knows it.
struct ScramSaslServer: SaslServerMechanism {
    private enum State: Sendable {
        case receiveClientFirst
        case receiveClientFinal(ScramMessages.ClientFirst, ScramMessages.ServerFirst, ScramCredential)
        case complete
        case failed
    }

    let mechanism: ScramMechanism
    let credential: @Sendable (String) -> ScramCredential?
    let serverNonce: String
    private var state = State.receiveClientFirst
    private(set) var authorizationId: String?

    /// `serverNonce` is drawn fresh per exchange; tests pass their own.
    init(mechanism: ScramMechanism, serverNonce: String = ScramFormatter.randomNonce(),
         credential: @escaping @Sendable (String) -> ScramCredential?) {
        self.mechanism = mechanism
        self.credential = credential
        self.serverNonce = serverNonce
    }

    var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    mutating func evaluate(_ response: [UInt8]) throws(SaslFailure) -> [UInt8] {
        do {
            return try step(response)
        } catch {
            state = .failed
            throw error
        }
    }

    private mutating func step(_ response: [UInt8]) throws(SaslFailure) -> [UInt8] {
        switch state {
        case .receiveClientFirst:
            guard let first = ScramMessages.ClientFirst(response) else {
                throw SaslFailure(clientMessage: nil, reason: "invalid SCRAM client-first message")
            }
            guard let stored = credential(first.username) else {
                throw SaslFailure(clientMessage: nil, reason: "no \(mechanism.mechanismName) credential for user \(first.username)")
            }
            guard first.authorizationId.isEmpty || first.authorizationId == first.username else {
                throw SaslFailure(
                    clientMessage: "Authentication failed: Client requested an authorization id that is different from username",
                    reason: "user \(first.username) asked to act as \(first.authorizationId)")
            }
            guard stored.iterations >= ScramMechanism.minIterations else {
                throw SaslFailure(clientMessage: nil, reason: "Iterations \(stored.iterations) is less than the minimum "
                    + "\(ScramMechanism.minIterations) for \(mechanism.mechanismName)")
            }
            let serverFirst = ScramMessages.ServerFirst(
                nonce: first.nonce + serverNonce, salt: stored.salt, iterations: stored.iterations)
            state = .receiveClientFinal(first, serverFirst, stored)
            authorizationId = nil
            return Array(serverFirst.message.utf8)
        case .receiveClientFinal(let first, let serverFirst, let stored):
            guard let final = ScramMessages.ClientFinal(response) else {
                throw SaslFailure(clientMessage: nil, reason: "invalid SCRAM client-final message")
            }
            // Kafka does not compare the client-final nonce with the server-first one, and librdkafka 2.0 (Debian
            // 12's kcat) sends one that differs; the proof covers the server-first message, nonce included, so a
            // replayed proof still fails.
            let formatter = ScramFormatter(mechanism)
            let authMessage = ScramMessages.authMessage(first, serverFirst, final)
            guard formatter.verifyClientProof(final.proof, storedKey: stored.storedKey, authMessage: authMessage) else {
                throw SaslFailure(clientMessage: nil, reason: "invalid client credentials for user \(first.username)")
            }
            let signature = formatter.serverSignature(serverKey: stored.serverKey, authMessage: authMessage)
            state = .complete
            authorizationId = first.username
            return Array(ScramMessages.ServerFinal.verifier(signature).message.utf8)
        case .complete, .failed:
            throw SaslFailure(clientMessage: nil, reason: "unexpected SCRAM message after the exchange ended")
        }
    }
}
