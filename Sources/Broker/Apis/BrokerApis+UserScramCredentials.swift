import Coordination
import KafkaProtocol
import NIOCore

/// DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554), as Kafka 2.8's `ZkAdminManager` answers
/// them: credentials live in the users' dynamic configs in ZooKeeper (`/config/users/<user>`, keyed by mechanism
/// name), describe shows mechanisms and iteration counts only, and alter takes a client-made salt and salted
/// password from which the broker derives the stored and server keys. Alter is answered by the controller only.
/// Describing needs DESCRIBE on the cluster, altering ALTER (checked after the controller check, as Kafka does),
/// else CLUSTER_AUTHORIZATION_FAILED for the request, or for each user named.
extension BrokerApis {
    func describeUserScramCredentials(
        _ request: DescribeUserScramCredentialsRequest, _ context: RequestContext
    ) async -> DescribeUserScramCredentialsResponse {
        guard authorizer(context).authorizeCluster(.describe) else {
            return DescribeUserScramCredentialsResponse(
                errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: nil)
        }
        let requested = request.users?.map(\.name) ?? []
        do {
            if requested.isEmpty {
                let all = try await admin.allUserConfigs()
                let results = all.keys.sorted().compactMap { user in UserScramCredentials.describe(user: user, config: all[user]!) }
                return DescribeUserScramCredentialsResponse(results: results)
            }
            var results: [String: DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult] = [:]
            let counts = Dictionary(requested.map { ($0, 1) }, uniquingKeysWith: +)
            for user in requested where results[user] == nil {
                if user.isEmpty {
                    results[user] = .init(user: user, errorCode: ErrorCode.resourceNotFound.rawValue, errorMessage: "Username must not be empty")
                } else if counts[user]! > 1 {
                    results[user] = .init(
                        user: user, errorCode: ErrorCode.duplicateResource.rawValue,
                        errorMessage: "Cannot describe SCRAM credentials for the same user twice in a single request: \(user)")
                } else {
                    do {
                        let config = try await admin.userConfig(user: user)
                        results[user] = UserScramCredentials.describe(user: user, config: config) ?? .init(
                            user: user, errorCode: ErrorCode.resourceNotFound.rawValue,
                            errorMessage: "Attempt to describe a user credential that does not exist: \(user)")
                    } catch {
                        logger.error("Error processing describe user SCRAM credential configs request: \(error)")
                        results[user] = .init(
                            user: user, errorCode: ErrorCode.unknownServerError.rawValue,
                            errorMessage: UserScramCredentials.unknownServerErrorMessage)
                    }
                }
            }
            var seen = Set<String>()
            return DescribeUserScramCredentialsResponse(results: requested.filter { seen.insert($0).inserted }.map { results[$0]! })
        } catch {
            logger.error("Error processing describe user SCRAM credential configs request: \(error)")
            return DescribeUserScramCredentialsResponse(
                errorCode: ErrorCode.unknownServerError.rawValue, errorMessage: UserScramCredentials.unknownServerErrorMessage)
        }
    }

    func alterUserScramCredentials(
        _ request: AlterUserScramCredentialsRequest, _ context: RequestContext
    ) async -> AlterUserScramCredentialsResponse {
        let everyUser = Set(request.deletions.map(\.name) + request.upsertions.map(\.name))
        guard zkSession.membership?.activeController != nil else {
            return AlterUserScramCredentialsResponse(results: everyUser.sorted().map {
                .init(user: $0, errorCode: ErrorCode.notController.rawValue, errorMessage: UserScramCredentials.notControllerMessage)
            })
        }
        guard authorizer(context).authorizeCluster(.alter) else {
            return AlterUserScramCredentialsResponse(results: everyUser.sorted().map {
                .init(user: $0, errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: nil)
            })
        }
        let screening = UserScramCredentials.screen(request)
        var results = screening.refused
        for user in screening.accepted {
            do {
                var config = try await admin.userConfig(user: user)
                let deletions = request.deletions.filter { $0.name == user }
                if deletions.contains(where: { config[ScramMechanism(rawValue: $0.mechanism)!.mechanismName] == nil }) {
                    results.append(.init(
                        user: user, errorCode: ErrorCode.resourceNotFound.rawValue,
                        errorMessage: "Attempt to delete a user credential that does not exist"))
                    continue
                }
                for deletion in deletions { config[ScramMechanism(rawValue: deletion.mechanism)!.mechanismName] = nil }
                for upsertion in request.upsertions where upsertion.name == user {
                    let mechanism = ScramMechanism(rawValue: upsertion.mechanism)!
                    let credential = ScramFormatter(mechanism).credential(
                        salt: Array(buffer: upsertion.salt), saltedPassword: Array(buffer: upsertion.saltedPassword),
                        iterations: upsertion.iterations)
                    config[mechanism.mechanismName] = credential.credentialString
                }
                try await admin.changeUserConfig(user: user, configs: config)
                results.append(.init(user: user, errorCode: ErrorCode.noError.rawValue))
            } catch let error as AdminError {
                results.append(.init(user: user, errorCode: error.code.rawValue, errorMessage: error.message))
            } catch {
                logger.info("Error encountered while altering user SCRAM credentials: \(error)")
                results.append(.init(
                    user: user, errorCode: ErrorCode.unknownServerError.rawValue,
                    errorMessage: UserScramCredentials.unknownServerErrorMessage))
            }
        }
        return AlterUserScramCredentialsResponse(results: results)
    }
}
