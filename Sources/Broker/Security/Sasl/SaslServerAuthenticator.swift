import KafkaProtocol
import NIOCore

/// The SASL side of one connection on a SASL_PLAINTEXT or SASL_SSL listener (Kafka's `SaslServerAuthenticator`),
/// as a pure state machine: each request frame and the time go in, a decision comes out; the connection handler
/// does the I/O.
///
/// Before authentication only ApiVersions (served by the API handlers) and SaslHandshake are accepted; anything
/// else closes the connection, as Kafka does. SaslHandshake v0 means the tokens that follow are raw size-prefixed
/// frames; v1 means they come in SaslAuthenticate requests (KIP-152). A failed authentication is answered
/// SASL_AUTHENTICATION_FAILED (in v1) and the connection closed. Once authenticated, requests go to the API handlers
/// as the authenticated principal, until the session expires (`connections.max.reauth.ms`, KIP-368): a client
/// re-authenticates by sending SaslHandshake and SaslAuthenticate again, with the same mechanism and principal;
/// any other request after expiry closes the connection.
struct SaslServerAuthenticator: Sendable {
    struct Settings: Sendable {
        /// `sasl.enabled.mechanisms` of the listener, in order (sent to clients in the handshake response).
        var enabledMechanisms: [String]
        /// PLAIN's users from the listener's JAAS config (`user_<name>="<password>"`).
        var plainUsers: [String: String] = [:]
        /// `connections.max.reauth.ms`; 0 means sessions never expire.
        var maxReauthMs: Int64 = 0
        /// `connection.failed.authentication.delay.ms`: the pause between a failure's answer and the close.
        var failedAuthenticationDelayMs: Int64 = 100
        /// The SCRAM credential of a user (the broker's credential cache).
        var scramCredential: @Sendable (ScramMechanism, String) -> ScramCredential? = { _, _ in nil }
    }

    enum Decision: Sendable {
        /// Hand the frame to the API handlers, as this principal.
        case dispatch(principal: String)
        /// Send this answer (the SASL exchange goes on).
        case respond(ResponseFrame)
        /// Send this answer, then close: authentication failed.
        case respondAndClose(ResponseFrame, reason: String)
        case close(reason: String)
    }

    private enum State: Sendable {
        /// Waiting for ApiVersions or SaslHandshake.
        case handshake
        /// Tokens of `mechanism` are expected, raw or in SaslAuthenticate requests.
        case authenticate(mechanism: String, server: any SaslServerMechanism, kafkaHeaders: Bool)
        /// Re-authentication asked for another mechanism than the session's: the next token fails.
        case reauthBadMechanism(String)
        case authenticated(principal: String, mechanism: String, expiresAtMs: Int64?)
        case failed
    }

    private struct Previous: Sendable {
        var principal: String
        var mechanism: String
    }

    let settings: Settings
    private var state = State.handshake
    /// The session being re-authenticated, if any.
    private var previous: Previous?

    init(settings: Settings) {
        self.settings = settings
    }

    /// Whether requests other than the SASL exchange are served: the frame limit rises to `socket.request.max.bytes`.
    var isAuthenticated: Bool {
        if case .authenticated = state { return true }
        return false
    }

    var principal: String? {
        if case .authenticated(let principal, _, _) = state { return principal }
        return nil
    }

    mutating func receive(_ frame: ByteBuffer, nowMs: Int64) -> Decision {
        switch state {
        case .handshake:
            return handshakeOrVersions(frame)
        case .authenticate(let mechanism, var server, let kafkaHeaders):
            return kafkaHeaders
                ? authenticateRequest(frame, mechanism: mechanism, server: &server, nowMs: nowMs)
                : rawToken(frame, mechanism: mechanism, server: &server, nowMs: nowMs)
        case .reauthBadMechanism(let message):
            state = .failed
            guard let (prefix, _) = Self.header(frame) else { return .close(reason: message) }
            return failure(prefix, message: message, log: message)
        case .authenticated(let principal, let mechanism, let expiresAtMs):
            // Only the fixed prefix is read here: every request of an authenticated connection passes this way, and
            // the API handlers parse the whole header anyway.
            let prefix = try? RequestHeader.peek(KafkaReader(buffer: frame, limits: .default))
            if let prefix, prefix.apiKey == .saslHandshake, prefix.apiVersion >= 1 {
                previous = Previous(principal: principal, mechanism: mechanism)
                state = .handshake
                return handshakeOrVersions(frame)
            }
            if let expiresAtMs, nowMs >= expiresAtMs {
                state = .failed
                return .close(reason: "the SASL session of \(principal) expired (connections.max.reauth.ms) and the "
                    + "client did not re-authenticate")
            }
            return .dispatch(principal: principal)
        case .failed:
            return .close(reason: "request after a failed SASL authentication")
        }
    }

    // MARK: - Handshake

    private mutating func handshakeOrVersions(_ frame: ByteBuffer) -> Decision {
        guard let (prefix, reader) = Self.header(frame) else {
            state = .failed
            return .close(reason: "invalid request header during SASL handshake")
        }
        switch prefix.apiKey {
        case .apiVersions where previous == nil:
            return .dispatch(principal: ConnectionInfo.anonymousPrincipal)
        case .saslHandshake:
            guard let request = Self.decode(SaslHandshakeRequest.self, prefix, reader) else {
                state = .failed
                return .close(reason: "cannot parse SaslHandshake v\(prefix.apiVersion)")
            }
            let mechanism = request.mechanism
            guard settings.enabledMechanisms.contains(mechanism), let server = makeServer(mechanism) else {
                state = .failed
                let response = SaslHandshakeResponse(
                    errorCode: ErrorCode.unsupportedSaslMechanism.rawValue, mechanisms: settings.enabledMechanisms)
                return Self.encode(response, prefix).map { .respondAndClose($0, reason: "Unsupported SASL mechanism \(mechanism)") }
                    ?? .close(reason: "Unsupported SASL mechanism \(mechanism)")
            }
            if let previous, previous.mechanism != mechanism {
                state = .reauthBadMechanism("SASL mechanism '\(mechanism)' requested by client is not supported for "
                    + "re-authentication of mechanism '\(previous.mechanism)'")
            } else {
                state = .authenticate(mechanism: mechanism, server: server, kafkaHeaders: prefix.apiVersion >= 1)
            }
            let response = SaslHandshakeResponse(errorCode: 0, mechanisms: settings.enabledMechanisms)
            return Self.encode(response, prefix).map { .respond($0) } ?? .close(reason: "cannot encode SaslHandshake response")
        default:
            state = .failed
            return .close(reason: "Unexpected Kafka request of type \(Self.kafkaName(prefix.apiKey)) during SASL handshake.")
        }
    }

    private func makeServer(_ mechanism: String) -> (any SaslServerMechanism)? {
        if mechanism == "PLAIN" { return PlainSaslServer(users: settings.plainUsers) }
        guard let scram = ScramMechanism(mechanismName: mechanism) else { return nil }
        let lookup = settings.scramCredential
        return ScramSaslServer(mechanism: scram) { user in lookup(scram, user) }
    }

    // MARK: - Tokens

    /// A token in a SaslAuthenticate request (handshake v1).
    private mutating func authenticateRequest(
        _ frame: ByteBuffer, mechanism: String, server: inout any SaslServerMechanism, nowMs: Int64
    ) -> Decision {
        guard let (prefix, reader) = Self.header(frame) else {
            state = .failed
            return .close(reason: "invalid request header during SASL authentication")
        }
        guard prefix.apiKey == .saslAuthenticate else {
            state = .failed
            return .close(reason: "Unexpected Kafka request of type \(Self.kafkaName(prefix.apiKey)) during SASL authentication.")
        }
        guard let request = Self.decode(SaslAuthenticateRequest.self, prefix, reader) else {
            state = .failed
            return .close(reason: "cannot parse SaslAuthenticate v\(prefix.apiVersion)")
        }
        let token = Array(request.authBytes.readableBytesView)
        do {
            let challenge = try server.evaluate(token)
            var lifetimeMs: Int64 = 0
            if server.isComplete {
                guard let decision = complete(server, mechanism: mechanism, prefix: prefix, nowMs: nowMs) else {
                    return failure(prefix, message: Self.principalChangedMessage, log: Self.principalChangedMessage)
                }
                lifetimeMs = decision
            } else {
                state = .authenticate(mechanism: mechanism, server: server, kafkaHeaders: true)
            }
            let response = SaslAuthenticateResponse(
                errorCode: 0, errorMessage: nil, authBytes: ByteBuffer(bytes: challenge), sessionLifetimeMs: lifetimeMs)
            return Self.encode(response, prefix).map { .respond($0) } ?? .close(reason: "cannot encode SaslAuthenticate response")
        } catch {
            state = .failed
            let stage = previous == nil ? "authentication" : "re-authentication"
            let message = error.clientMessage
                ?? "Authentication failed during \(stage) due to invalid credentials with SASL mechanism \(mechanism)"
            return failure(prefix, message: message, log: "\(stage) with \(mechanism) failed: \(error.reason)")
        }
    }

    /// A raw size-prefixed token (handshake v0): answered raw; a failure can only close the connection.
    private mutating func rawToken(
        _ frame: ByteBuffer, mechanism: String, server: inout any SaslServerMechanism, nowMs: Int64
    ) -> Decision {
        do {
            let challenge = try server.evaluate(Array(frame.readableBytesView))
            if server.isComplete {
                guard complete(server, mechanism: mechanism, prefix: nil, nowMs: nowMs) != nil else {
                    return .close(reason: Self.principalChangedMessage)
                }
            } else {
                state = .authenticate(mechanism: mechanism, server: server, kafkaHeaders: false)
            }
            var buffer = ByteBuffer()
            buffer.writeInteger(Int32(challenge.count))
            buffer.writeBytes(challenge)
            return .respond(ResponseFrame(buffer: buffer, regions: []))
        } catch {
            state = .failed
            return .close(reason: "SASL \(mechanism) authentication failed: \(error.reason)")
        }
    }

    private static let principalChangedMessage = "Cannot change principals during re-authentication"

    /// Moves to `authenticated` and returns the session lifetime for the client (0 = none); nil when a
    /// re-authentication brought another principal (Kafka refuses: the connection's identity cannot change).
    private mutating func complete(
        _ server: any SaslServerMechanism, mechanism: String, prefix: RequestHeader.Prefix?, nowMs: Int64
    ) -> Int64? {
        let principal = "User:" + (server.authorizationId ?? "")
        if let previous, previous.principal != principal {
            state = .failed
            return nil
        }
        previous = nil
        let lifetimeMs = settings.maxReauthMs
        let (expiry, overflow) = nowMs.addingReportingOverflow(lifetimeMs)
        state = .authenticated(
            principal: principal, mechanism: mechanism, expiresAtMs: lifetimeMs > 0 && !overflow ? expiry : nil)
        return lifetimeMs
    }

    private func failure(_ prefix: RequestHeader.Prefix, message: String, log: String) -> Decision {
        let response = SaslAuthenticateResponse(
            errorCode: ErrorCode.saslAuthenticationFailed.rawValue, errorMessage: message, authBytes: ByteBuffer())
        return Self.encode(response, prefix).map { .respondAndClose($0, reason: log) } ?? .close(reason: log)
    }

    // MARK: - Wire

    /// The key as Kafka's `ApiKeys` enum prints it (`METADATA`, `API_VERSIONS`), for log lines that match Kafka's.
    static func kafkaName(_ key: ApiKey) -> String {
        guard let name = key.name else { return "UNKNOWN(\(key.rawValue))" }
        var result = ""
        for character in name {
            if character.isUppercase, !result.isEmpty { result += "_" }
            result += character.uppercased()
        }
        return result
    }

    /// The header prefix and a reader at the body, or nil when the header does not parse.
    private static func header(_ frame: ByteBuffer) -> (prefix: RequestHeader.Prefix, reader: KafkaReader)? {
        var reader = KafkaReader(buffer: frame, limits: .default)
        guard let prefix = try? RequestHeader.peek(reader) else { return nil }
        let flexible: Int16? = switch prefix.apiKey {
        case .saslAuthenticate: SaslAuthenticateRequest.firstFlexibleVersion
        case .saslHandshake: SaslHandshakeRequest.firstFlexibleVersion
        default: nil
        }
        let version = RequestHeader.version(apiKey: prefix.apiKey, apiVersion: prefix.apiVersion, firstFlexibleVersion: flexible)
        guard (try? RequestHeader(from: &reader, version: version)) != nil else { return nil }
        return (prefix, reader)
    }

    /// The request body, or nil when its version is unknown or it does not parse.
    private static func decode<Request: KafkaRequest>(
        _ type: Request.Type, _ prefix: RequestHeader.Prefix, _ reader: KafkaReader
    ) -> Request? {
        guard Request.validVersions.contains(prefix.apiVersion) else { return nil }
        var body = reader
        return try? Request(from: &body, version: prefix.apiVersion)
    }

    private static func encode<Response: KafkaResponse>(_ response: Response, _ prefix: RequestHeader.Prefix) -> ResponseFrame? {
        try? ResponseFrame.answer(response, apiVersion: prefix.apiVersion, correlationId: prefix.correlationId)
    }
}

/// Shared by a SASL connection's frame decoder and its connection handler, on the connection's event loop:
/// until the client has authenticated, frames above `sasl.server.max.receive.size` close the connection (Kafka's
/// "invalid receive size"), so a stranger cannot make the broker buffer a 100 MiB request.
final class SaslReceiveLimit {
    var authenticated = false
    let maxReceiveSize: Int
    let maxFrameBytes: Int

    init(maxReceiveSize: Int, maxFrameBytes: Int) {
        self.maxReceiveSize = maxReceiveSize
        self.maxFrameBytes = maxFrameBytes
    }

    var current: Int { authenticated ? maxFrameBytes : min(maxReceiveSize, maxFrameBytes) }
}
