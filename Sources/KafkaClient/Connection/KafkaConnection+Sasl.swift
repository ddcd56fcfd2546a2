import KafkaProtocol
import NIOCore

extension KafkaConnection {
    /// Authenticates the connection as `sasl` says, the way Kafka's clients do (KIP-152): SaslHandshake v1 with
    /// the mechanism, then SaslAuthenticate requests carrying the tokens until the exchange completes.
    ///
    /// - Throws: `KafkaClientError.broker(UNSUPPORTED_SASL_MECHANISM / SASL_AUTHENTICATION_FAILED, ...)` with the
    ///   broker's message when it refuses; `.connectionLost` when the exchange itself fails.
    func authenticate(_ sasl: SaslClientConfiguration) async throws(KafkaClientError) {
        var mechanism: SaslClientMechanism
        do {
            mechanism = try SaslClientMechanism(sasl)
        } catch {
            throw .connectionLost(reason: error.description)
        }
        let handshakeVersion = try negotiatedVersion(SaslHandshakeRequest.self, max: 1)
        guard handshakeVersion >= 1 else {
            throw .unsupportedVersion(api: .saslHandshake, version: 1)
        }
        let handshake = try await send(SaslHandshakeRequest(mechanism: sasl.mechanism), version: handshakeVersion)
        guard handshake.errorCode == 0 else {
            throw .broker(ErrorCode(rawValue: handshake.errorCode), context: "SaslHandshake to \(address)",
                          message: "mechanism \(sasl.mechanism); the broker offers \(handshake.mechanisms.joined(separator: ", "))")
        }
        let version = try negotiatedVersion(SaslAuthenticateRequest.self, max: 2)
        var token: [UInt8]? = mechanism.initialResponse()
        while let next = token {
            let response = try await send(SaslAuthenticateRequest(authBytes: ByteBuffer(bytes: next)), version: version)
            guard response.errorCode == 0 else {
                throw .broker(ErrorCode(rawValue: response.errorCode), context: "SASL \(sasl.mechanism) authentication "
                    + "of \(sasl.username) to \(address)", message: response.errorMessage)
            }
            do {
                token = try mechanism.evaluate(challenge: Array(response.authBytes.readableBytesView))
            } catch {
                throw .connectionLost(reason: "SASL \(sasl.mechanism) authentication to \(address): \(error.description)")
            }
            if token == nil, response.sessionLifetimeMs > 0 {
                setSessionLifetime(ms: response.sessionLifetimeMs)
            }
        }
        guard mechanism.isComplete else {
            throw .connectionLost(reason: "SASL \(sasl.mechanism) authentication to \(address) did not complete")
        }
    }
}
