import Foundation
import KafkaClient
import KafkaProtocol

/// `gregor configs --entity-type users`: SCRAM credentials as kafka-configs.sh 2.8 manages them with
/// `--bootstrap-server` (`alterUserScramCredentialConfigs`, `describeClientQuotaAndUserScramCredentialConfigs`).
/// Client quotas, the other user configs, are not supported by Gregor yet.
extension ConfigsCommand {
    /// Kafka's `ConfigCommand.DefaultScramIterations`.
    static let defaultScramIterations: Int32 = 4096
    /// Kafka's `QuotaConfigs.isClientOrUserQuotaConfig` names.
    static let quotaConfigNames: Set<String> = [
        "producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate",
    ]

    func describeUsers(_ client: KafkaClusterClient) async throws {
        let name = entity.name
        if name == "" { return }  // --entity-default: quotas only, as Kafka skips SCRAM for the default user
        let descriptions = try await client.describeUserScramCredentials(name.map { [$0] } ?? [])
        for description in descriptions where description.error != .resourceNotFound {
            print(ConfigsUserOutput.line(description))
        }
    }

    func alterUser(_ client: KafkaClusterClient) async throws {
        let user = entity.name ?? ""
        let toAdd = try ConfigsInput.configsToAdd(addConfig)
        let toDelete = ConfigsInput.configsToDelete(deleteConfig)
        let isScram = { (key: String) in ScramMechanism(mechanismName: key) != nil }
        let unknownToAdd = toAdd.map(\.key).filter { !isScram($0) && !Self.quotaConfigNames.contains($0) }
        if !unknownToAdd.isEmpty {
            throw CommandFailure("Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(\(unknownToAdd.joined(separator: ", ")))")
        }
        let unknownToDelete = toDelete.filter { !isScram($0) && !Self.quotaConfigNames.contains($0) }
        if !unknownToDelete.isEmpty {
            throw CommandFailure("Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: List(\(unknownToDelete.joined(separator: ", ")))")
        }
        let quotas = toAdd.map(\.key).filter { Self.quotaConfigNames.contains($0) } + toDelete.filter { Self.quotaConfigNames.contains($0) }
        if !quotas.isEmpty {
            throw CommandFailure("Client quotas are not supported by Gregor yet: \(quotas.joined(separator: ","))")
        }
        if user.isEmpty {
            throw CommandFailure("The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.")
        }
        var alterations = toDelete.compactMap { ScramMechanism(mechanismName: $0) }.map {
            UserScramCredentialAlteration.delete(user: user, mechanism: $0)
        }
        for (key, value) in toAdd {
            let mechanism = ScramMechanism(mechanismName: key)!
            let (iterations, password) = try ConfigsUserInput.iterationsAndPassword(mechanism, value)
            alterations.append(.upsert(user: user, mechanism: mechanism, iterations: iterations, password: password))
        }
        let results = try await client.alterUserScramCredentials(alterations)
        if let (code, message) = results[user], code != .noError {
            throw CommandFailure(
                "Error while executing config command with args '\(CommandLine.arguments.dropFirst().joined(separator: " "))'\n"
                    + "\(ConfigsUserOutput.exceptionName(code)): \(message ?? code.description)")
        }
        print("Completed updating config for user \(user).")
    }
}

/// kafka-configs.sh's parsing of a SCRAM credential value: `[iterations=<n>,]password=<password>`.
enum ConfigsUserInput {
    static func iterationsAndPassword(_ mechanism: ScramMechanism, _ text: String) throws -> (Int32, String) {
        guard let match = text.wholeMatch(of: /(?:iterations=(-?[0-9]*),)?password=(.*)/) else {
            throw CommandFailure("Invalid credential property \(javaName(mechanism))=\(text)")
        }
        var iterations = ConfigsCommand.defaultScramIterations
        if let digits = match.1, digits != "-1" {
            // Kafka's `toInt` fails on an empty or out-of-range number.
            guard let parsed = Int32(digits) else { throw CommandFailure("For input string: \"\(digits)\"") }
            iterations = parsed
        }
        if iterations < ScramMechanism.minIterations {
            throw CommandFailure(
                "Iterations \(iterations) is less than the minimum \(ScramMechanism.minIterations) required for \(mechanism.mechanismName)")
        }
        return (iterations, String(match.2))
    }

    /// The Java enum constant's name, which Kafka's message prints (`SCRAM_SHA_256`).
    static func javaName(_ mechanism: ScramMechanism) -> String {
        mechanism.mechanismName.replacingOccurrences(of: "-", with: "_")
    }
}

/// kafka-configs.sh's user lines.
enum ConfigsUserOutput {
    /// `SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096, ...`, or the
    /// user's error.
    static func line(_ description: UserScramCredentialsDescription) -> String {
        guard description.error == .noError else {
            return "Error retrieving SCRAM credential configs for user-principal '\(description.user)': "
                + "\(exceptionName(description.error)): \(description.errorMessage ?? description.error.description)"
        }
        let text = description.credentials.map { "\($0.mechanism?.mechanismName ?? "UNKNOWN")=iterations=\($0.iterations)" }
        return "SCRAM credential configs for user-principal '\(description.user)' are \(text.joined(separator: ", "))"
    }

    /// The Java exception class Kafka's client raises for the codes these APIs answer.
    static func exceptionName(_ code: ErrorCode) -> String {
        switch code {
        case .resourceNotFound: "ResourceNotFoundException"
        case .duplicateResource: "DuplicateResourceException"
        case .unacceptableCredential: "UnacceptableCredentialException"
        case .unsupportedSaslMechanism: "UnsupportedSaslMechanismException"
        case .notController: "NotControllerException"
        case .clusterAuthorizationFailed: "ClusterAuthorizationException"
        default: "UnknownServerException"
        }
    }
}
