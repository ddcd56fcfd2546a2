import KafkaProtocol

/// The pure parts of Kafka 2.8's `ZkAdminManager.describeUserScramCredentials` and `alterUserScramCredentials`:
/// what a user's config shows, and which users of an alteration are refused before ZooKeeper is read, with Kafka's
/// error codes and messages.
enum UserScramCredentials {
    /// Kafka's `Errors.UNKNOWN_SERVER_ERROR.message()`, which these APIs send instead of internal details.
    static let unknownServerErrorMessage = "The server experienced an unexpected error when processing the request."
    static let notControllerMessage = "This is not the correct controller for this cluster."

    /// The mechanisms and iteration counts of the user's credentials; nil when it has none. A credential that
    /// does not parse makes the whole user an UNKNOWN_SERVER_ERROR, as Kafka's exception does.
    static func describe(
        user: String, config: [String: String]
    ) -> DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult? {
        let present = ScramMechanism.allCases.filter { config[$0.mechanismName] != nil }
        guard !present.isEmpty else { return nil }
        var infos: [DescribeUserScramCredentialsResponse.CredentialInfo] = []
        for mechanism in present {
            guard let credential = ScramCredential(credentialString: config[mechanism.mechanismName]!) else {
                return .init(user: user, errorCode: ErrorCode.unknownServerError.rawValue, errorMessage: unknownServerErrorMessage)
            }
            infos.append(.init(mechanism: mechanism.rawValue, iterations: credential.iterations))
        }
        return .init(user: user, credentialInfos: infos)
    }

    /// The users refused outright (empty name, unknown mechanism, iterations outside 4096...16384, the same user
    /// and mechanism twice), one result each; and the users left to alter, sorted.
    static func screen(
        _ request: AlterUserScramCredentialsRequest
    ) -> (refused: [AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult], accepted: [String]) {
        let unknownMechanism = "Unknown SCRAM mechanism"
        var illegal: [String: String] = [:]
        // Deletions first, so an upsertion's reason wins for a user with both (Kafka's `++` of the two maps).
        for deletion in request.deletions {
            if deletion.name.isEmpty {
                illegal[deletion.name] = "Username must not be empty"
            } else if ScramMechanism(rawValue: deletion.mechanism) == nil {
                illegal[deletion.name] = unknownMechanism
            }
        }
        for upsertion in request.upsertions {
            if upsertion.name.isEmpty {
                illegal[upsertion.name] = "Username must not be empty"
            } else if ScramMechanism(rawValue: upsertion.mechanism) == nil {
                illegal[upsertion.name] = unknownMechanism
            } else if upsertion.iterations > ScramMechanism.maxIterations {
                illegal[upsertion.name] = "Too many iterations"
            } else if upsertion.iterations < ScramMechanism.minIterations {
                illegal[upsertion.name] = "Too few iterations"
            }
        }
        var refused = illegal.keys.sorted().map { user in
            AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult(
                user: user,
                errorCode: illegal[user] == unknownMechanism
                    ? ErrorCode.unsupportedSaslMechanism.rawValue : ErrorCode.unacceptableCredential.rawValue,
                errorMessage: illegal[user])
        }
        let pairs = (request.upsertions.map { ($0.name, $0.mechanism) } + request.deletions.map { ($0.name, $0.mechanism) })
            .filter { illegal[$0.0] == nil }
        var seen = Set<String>()
        var duplicated = Set<String>()
        for (user, mechanism) in pairs where !seen.insert("\(mechanism) \(user)").inserted {
            duplicated.insert(user)
        }
        refused += duplicated.sorted().map {
            .init(user: $0, errorCode: ErrorCode.duplicateResource.rawValue,
                  errorMessage: "A user credential cannot be altered twice in the same request")
        }
        let accepted = Set(pairs.map(\.0)).subtracting(duplicated).sorted()
        return (refused, accepted)
    }
}
