import KafkaProtocol
import NIOCore

/// One user's answer to DescribeUserScramCredentials: its mechanisms with iteration counts, or its error.
public struct UserScramCredentialsDescription: Sendable, Hashable {
    public struct Credential: Sendable, Hashable {
        /// Kafka's type byte; nil for one this client does not know.
        public var mechanism: ScramMechanism?
        public var iterations: Int32
    }

    public var user: String
    public var error: ErrorCode
    public var errorMessage: String?
    public var credentials: [Credential]
}

/// A change to one user's SCRAM credential (Kafka's `UserScramCredentialUpsertion` / `UserScramCredentialDeletion`).
public enum UserScramCredentialAlteration: Sendable {
    /// The client salts: the password never leaves this process (Kafka's AdminClient does the same).
    case upsert(user: String, mechanism: ScramMechanism, iterations: Int32, password: String)
    case delete(user: String, mechanism: ScramMechanism)
}

extension KafkaClusterClient {
    /// DescribeUserScramCredentials on any broker (Kafka's `Admin.describeUserScramCredentials`); empty `users`
    /// describes every user with credentials. A top-level error is thrown; per-user errors are in the answer.
    public func describeUserScramCredentials(
        _ users: [String], timeout: Duration? = nil
    ) async throws(KafkaClientError) -> [UserScramCredentialsDescription] {
        try await withRetries("DescribeUserScramCredentials", timeout: timeout) {
            () async throws(KafkaClientError) -> [UserScramCredentialsDescription] in
            let connection = try await anyConnection()
            let version = try connection.negotiatedVersion(DescribeUserScramCredentialsRequest.self)
            let request = DescribeUserScramCredentialsRequest(users: users.map { .init(name: $0) })
            let response = try await connection.send(request, version: version)
            if response.errorCode != 0 {
                throw .broker(ErrorCode(rawValue: response.errorCode), context: "DescribeUserScramCredentials", message: response.errorMessage)
            }
            return response.results.map {
                UserScramCredentialsDescription(
                    user: $0.user, error: ErrorCode(rawValue: $0.errorCode), errorMessage: $0.errorMessage,
                    credentials: $0.credentialInfos.map { .init(mechanism: ScramMechanism(rawValue: $0.mechanism), iterations: $0.iterations) })
            }
        }
    }

    /// AlterUserScramCredentials through the controller (Kafka's `Admin.alterUserScramCredentials`): upsertions
    /// are salted here with a fresh random salt. Returns each user's error code and message (`.noError` when
    /// altered); NOT_CONTROLLER is retried.
    public func alterUserScramCredentials(
        _ alterations: [UserScramCredentialAlteration], timeout: Duration? = nil
    ) async throws(KafkaClientError) -> [String: (ErrorCode, String?)] {
        var request = AlterUserScramCredentialsRequest()
        for alteration in alterations {
            switch alteration {
            case .upsert(let user, let mechanism, let iterations, let password):
                let salt = ScramFormatter.randomSalt()
                let salted: [UInt8]
                do {
                    salted = try ScramFormatter(mechanism).saltedPassword(password, salt: salt, iterations: max(1, iterations))
                } catch {
                    throw .encodingFailed(api: .alterUserScramCredentials, version: 0, reason: "PBKDF2 failed: \(error)")
                }
                request.upsertions.append(.init(
                    name: user, mechanism: mechanism.rawValue, iterations: iterations, salt: ByteBuffer(bytes: salt),
                    saltedPassword: ByteBuffer(bytes: salted)))
            case .delete(let user, let mechanism):
                request.deletions.append(.init(name: user, mechanism: mechanism.rawValue))
            }
        }
        return try await withRetries("AlterUserScramCredentials", timeout: timeout) {
            () async throws(KafkaClientError) -> [String: (ErrorCode, String?)] in
            let connection = try await controllerConnection()
            let version = try connection.negotiatedVersion(AlterUserScramCredentialsRequest.self)
            let response = try await connection.send(request, version: version)
            if let moved = response.results.first(where: { $0.errorCode == ErrorCode.notController.rawValue }) {
                throw .broker(.notController, context: "AlterUserScramCredentials", message: moved.errorMessage)
            }
            return Dictionary(
                response.results.map { ($0.user, (ErrorCode(rawValue: $0.errorCode), $0.errorMessage)) },
                uniquingKeysWith: { first, _ in first })
        }
    }
}
