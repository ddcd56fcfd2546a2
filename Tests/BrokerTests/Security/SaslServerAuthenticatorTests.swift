import KafkaProtocol
import NIOCore
import Testing

@testable import Broker

/// The SASL state machine of a connection: what it answers, when it hands requests on and when it closes.
@Suite struct SaslServerAuthenticatorTests {
    static let formatter = ScramFormatter(.scramSha256)
    static let bobCredential = try! formatter.credential(password: "bob-secret", salt: Array("salt".utf8), iterations: 4096)

    static func settings(reauthMs: Int64 = 0) -> SaslServerAuthenticator.Settings {
        SaslServerAuthenticator.Settings(
            enabledMechanisms: ["PLAIN", "SCRAM-SHA-256"], plainUsers: ["alice": "alice-secret"], maxReauthMs: reauthMs,
            scramCredential: { mechanism, user in mechanism == .scramSha256 && user == "bob" ? bobCredential : nil })
    }

    /// A request frame (header v1 or v2, no size prefix) as a client sends it.
    static func frame<R: KafkaRequest>(_ request: R, version: Int16, correlationId: Int32 = 1) -> ByteBuffer {
        var writer = KafkaWriter(buffer: ByteBuffer())
        let header = RequestHeader(apiKey: R.apiKey, apiVersion: version, correlationId: correlationId, clientId: "t")
        let flexible = R.firstFlexibleVersion.map { version >= $0 } ?? false
        try! header.encode(into: &writer, version: flexible ? .v2 : .v1)
        try! request.encode(into: &writer, version: version)
        return writer.buffer
    }

    static func decodeResponse<R: KafkaResponse>(_ type: R.Type, _ frame: ResponseFrame, version: Int16) -> R {
        var buffer = frame.buffer
        buffer.moveReaderIndex(forwardBy: 4)
        var reader = KafkaReader(buffer: buffer, limits: .default)
        let flexible = R.firstFlexibleVersion.map { version >= $0 } ?? false
        _ = try! ResponseHeader(from: &reader, version: flexible ? .v1 : .v0)
        return try! R(from: &reader, version: version)
    }

    static func authenticate(_ auth: inout SaslServerAuthenticator, _ bytes: [UInt8], version: Int16 = 2, nowMs: Int64 = 0)
        -> SaslServerAuthenticator.Decision
    {
        auth.receive(frame(SaslAuthenticateRequest(authBytes: ByteBuffer(bytes: bytes)), version: version), nowMs: nowMs)
    }

    static func handshake(_ auth: inout SaslServerAuthenticator, _ mechanism: String, version: Int16 = 1) -> SaslServerAuthenticator.Decision {
        auth.receive(frame(SaslHandshakeRequest(mechanism: mechanism), version: version), nowMs: 0)
    }

    @Test func plainLogsInAndThenDispatchesAsTheUser() {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        guard case .dispatch(let anonymous) = auth.receive(Self.frame(ApiVersionsRequest(), version: 3), nowMs: 0) else {
            Issue.record("ApiVersions before authentication must reach the API handlers")
            return
        }
        #expect(anonymous == "User:ANONYMOUS")
        guard case .respond(let handshakeAnswer) = Self.handshake(&auth, "PLAIN") else {
            Issue.record("no handshake answer")
            return
        }
        let handshake = Self.decodeResponse(SaslHandshakeResponse.self, handshakeAnswer, version: 1)
        #expect(handshake.errorCode == 0 && handshake.mechanisms == ["PLAIN", "SCRAM-SHA-256"])
        guard case .respond(let answer) = Self.authenticate(&auth, Array("\u{0}alice\u{0}alice-secret".utf8)) else {
            Issue.record("no authenticate answer")
            return
        }
        #expect(Self.decodeResponse(SaslAuthenticateResponse.self, answer, version: 2).errorCode == 0)
        #expect(auth.isAuthenticated)
        guard case .dispatch(let principal) = auth.receive(Self.frame(MetadataRequest(), version: 9), nowMs: 5) else {
            Issue.record("requests after authentication must reach the API handlers")
            return
        }
        #expect(principal == "User:alice")
    }

    @Test func wrongPlainPasswordIsAnsweredAndClosed() {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        _ = Self.handshake(&auth, "PLAIN")
        guard case .respondAndClose(let answer, _) = Self.authenticate(&auth, Array("\u{0}alice\u{0}nope".utf8)) else {
            Issue.record("a failed login must be answered, then closed")
            return
        }
        let response = Self.decodeResponse(SaslAuthenticateResponse.self, answer, version: 2)
        #expect(response.errorCode == ErrorCode.saslAuthenticationFailed.rawValue)
        #expect(response.errorMessage == "Authentication failed: Invalid username or password")
        guard case .close = auth.receive(Self.frame(MetadataRequest(), version: 9), nowMs: 0) else {
            Issue.record("nothing is served after a failure")
            return
        }
    }

    @Test func scramExchangeProvesBothSides() throws {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        _ = Self.handshake(&auth, "SCRAM-SHA-256")
        let first = ScramMessages.ClientFirst(username: "bob", nonce: "clientnonce")
        guard case .respond(let serverFirstAnswer) = Self.authenticate(&auth, Array(first.message.utf8)) else {
            Issue.record("no server-first message")
            return
        }
        let serverFirstBytes = Self.decodeResponse(SaslAuthenticateResponse.self, serverFirstAnswer, version: 2).authBytes
        let serverFirst = try #require(ScramMessages.ServerFirst(Array(serverFirstBytes.readableBytesView)))
        #expect(serverFirst.nonce.hasPrefix("clientnonce") && serverFirst.iterations == 4096)
        let salted = try Self.formatter.saltedPassword("bob-secret", salt: serverFirst.salt, iterations: 4096)
        var final = ScramMessages.ClientFinal(nonce: serverFirst.nonce, proof: [])
        let authMessage = ScramMessages.authMessage(first, serverFirst, final)
        final.proof = Self.formatter.clientProof(saltedPassword: salted, authMessage: authMessage)
        guard case .respond(let serverFinalAnswer) = Self.authenticate(&auth, Array(final.message.utf8)) else {
            Issue.record("no server-final message")
            return
        }
        let serverFinal = Self.decodeResponse(SaslAuthenticateResponse.self, serverFinalAnswer, version: 2).authBytes
        let expected = Self.formatter.serverSignature(
            serverKey: Self.formatter.serverKey(saltedPassword: salted), authMessage: authMessage)
        #expect(ScramMessages.ServerFinal(Array(serverFinal.readableBytesView)) == .verifier(expected))
        #expect(auth.principal == "User:bob")
    }

    @Test func unknownScramUserGetsKafkasGenericMessage() {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        _ = Self.handshake(&auth, "SCRAM-SHA-256")
        let first = ScramMessages.ClientFirst(username: "mallory", nonce: "n1")
        guard case .respondAndClose(let answer, _) = Self.authenticate(&auth, Array(first.message.utf8)) else {
            Issue.record("an unknown user must fail")
            return
        }
        #expect(Self.decodeResponse(SaslAuthenticateResponse.self, answer, version: 2).errorMessage
            == "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256")
    }

    @Test func requestsBeforeTheHandshakeClose() {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        guard case .close(let reason) = auth.receive(Self.frame(MetadataRequest(), version: 9), nowMs: 0) else {
            Issue.record("Metadata before authentication must close")
            return
        }
        #expect(reason == "Unexpected Kafka request of type METADATA during SASL handshake.")
        #expect(SaslServerAuthenticator.kafkaName(.apiVersions) == "API_VERSIONS")
    }

    @Test func unsupportedMechanismIsAnsweredWithTheEnabledOnesThenClosed() {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        guard case .respondAndClose(let answer, _) = Self.handshake(&auth, "GSSAPI") else {
            Issue.record("GSSAPI must be refused")
            return
        }
        let response = Self.decodeResponse(SaslHandshakeResponse.self, answer, version: 1)
        #expect(response.errorCode == ErrorCode.unsupportedSaslMechanism.rawValue)
        #expect(response.mechanisms == ["PLAIN", "SCRAM-SHA-256"])
    }

    @Test func handshakeV0TakesRawTokens() {
        var auth = SaslServerAuthenticator(settings: Self.settings())
        _ = Self.handshake(&auth, "PLAIN", version: 0)
        guard case .respond(let answer) = auth.receive(ByteBuffer(bytes: Array("\u{0}alice\u{0}alice-secret".utf8)), nowMs: 0) else {
            Issue.record("a raw PLAIN token must be answered")
            return
        }
        #expect(Array(answer.buffer.readableBytesView) == [0, 0, 0, 0])  // an empty size-prefixed token
        #expect(auth.principal == "User:alice")
    }

    @Test func sessionsExpireAndReauthenticationKeepsThePrincipal() {
        var auth = SaslServerAuthenticator(settings: Self.settings(reauthMs: 1000))
        _ = Self.handshake(&auth, "PLAIN")
        guard case .respond(let answer) = Self.authenticate(&auth, Array("\u{0}alice\u{0}alice-secret".utf8), nowMs: 100) else {
            Issue.record("login failed")
            return
        }
        #expect(Self.decodeResponse(SaslAuthenticateResponse.self, answer, version: 2).sessionLifetimeMs == 1000)
        guard case .dispatch = auth.receive(Self.frame(MetadataRequest(), version: 9), nowMs: 1099) else {
            Issue.record("the session is still valid")
            return
        }
        // Re-authentication before expiry, same user: fine.
        guard case .respond = Self.handshake(&auth, "PLAIN"),
            case .respond = Self.authenticate(&auth, Array("\u{0}alice\u{0}alice-secret".utf8), nowMs: 1050)
        else {
            Issue.record("re-authentication failed")
            return
        }
        guard case .dispatch = auth.receive(Self.frame(MetadataRequest(), version: 9), nowMs: 2000) else {
            Issue.record("the renewed session runs until 2050")
            return
        }
        guard case .close = auth.receive(Self.frame(MetadataRequest(), version: 9), nowMs: 2050) else {
            Issue.record("an expired session must close")
            return
        }
    }

    @Test func reauthenticationAsSomeoneElseFails() {
        var settings = Self.settings(reauthMs: 1000)
        settings.plainUsers["eve"] = "eve-secret"
        var auth = SaslServerAuthenticator(settings: settings)
        _ = Self.handshake(&auth, "PLAIN")
        _ = Self.authenticate(&auth, Array("\u{0}alice\u{0}alice-secret".utf8))
        _ = Self.handshake(&auth, "PLAIN")
        guard case .respondAndClose(let answer, _) = Self.authenticate(&auth, Array("\u{0}eve\u{0}eve-secret".utf8)) else {
            Issue.record("a principal change must fail")
            return
        }
        #expect(Self.decodeResponse(SaslAuthenticateResponse.self, answer, version: 2).errorMessage
            == "Cannot change principals during re-authentication")
    }
}
