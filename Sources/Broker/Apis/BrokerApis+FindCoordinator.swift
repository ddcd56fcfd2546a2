import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleFindCoordinatorRequest`: for a consumer group (key type 0) or a transactional id (1), the
    /// live broker that rendezvous hashing over the live brokers picks for it, so every broker gives the same answer
    /// from the controller's view of the cluster.
    /// Finding a group's coordinator needs DESCRIBE on the group, a transactional id's DESCRIBE on the id, else
    /// GROUP_AUTHORIZATION_FAILED or TRANSACTIONAL_ID_AUTHORIZATION_FAILED with Kafka's default message.
    func findCoordinator(_ request: FindCoordinatorRequest, _ context: RequestContext) -> FindCoordinatorResponse {
        func failure(_ error: ErrorCode, _ message: String) -> FindCoordinatorResponse {
            FindCoordinatorResponse(errorCode: error.rawValue, errorMessage: message, nodeId: -1, host: "", port: -1)
        }
        let auth = authorizer(context)
        let coordinator: Int32?
        let what: String
        switch request.keyType {
        case 0:
            guard auth.authorize(.describe, .group, request.key) else {
                return failure(.groupAuthorizationFailed, "Group authorization failed.")
            }
            guard GroupCoordinator.isValidGroupId(request.key) else {
                return failure(.invalidGroupId, "group id '\(request.key)' cannot be a ZooKeeper node name")
            }
            coordinator = groupCoordinator.coordinatorId(for: request.key)
            what = "group"
        case 1:
            guard auth.authorize(.describe, .transactionalId, request.key) else {
                return failure(.transactionalIdAuthorizationFailed, "Transactional Id authorization failed.")
            }
            guard !request.key.isEmpty else { return failure(.invalidRequest, "the transactional id must not be empty") }
            coordinator = transactionCoordinator.coordinatorId(for: request.key)
            what = "transactional id"
        default:
            return failure(.invalidRequest, "unknown coordinator key type \(request.keyType)")
        }
        guard let coordinator, let endpoint = metadataCache.aliveBroker(coordinator)?.endpoints[context.connection.listenerName]
        else {
            return failure(.coordinatorNotAvailable, "no live broker to coordinate \(what) '\(request.key)'")
        }
        // Kafka 2.8 writes `Errors.message()` here, which for NONE is its name: "NONE", not null.
        return FindCoordinatorResponse(
            errorCode: ErrorCode.noError.rawValue, errorMessage: ErrorCode.noError.name, nodeId: coordinator,
            host: endpoint.host, port: endpoint.port)
    }
}
