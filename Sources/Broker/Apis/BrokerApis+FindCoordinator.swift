import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleFindCoordinatorRequest`: for a consumer group or a transactional id, the live broker that
    /// rendezvous hashing over the live brokers picks for it, so every broker gives the same answer from the
    /// controller's view of the cluster.
    /// Finding a group's coordinator needs DESCRIBE on the group, a transactional id's DESCRIBE on the id, else
    /// GROUP_AUTHORIZATION_FAILED or TRANSACTIONAL_ID_AUTHORIZATION_FAILED with Kafka's default message.
    func findCoordinator(_ request: FindCoordinatorRequest, _ context: RequestContext) -> FindCoordinatorResponse {
        func failure(_ error: ErrorCode, _ message: String) -> FindCoordinatorResponse {
            FindCoordinatorResponse(errorCode: error.rawValue, errorMessage: message, nodeId: -1, host: "", port: -1)
        }
        let auth = authorizer(context)
        if request.keyType == 0, !auth.authorize(.describe, .group, request.key) {
            return failure(.groupAuthorizationFailed, "Group authorization failed.")
        }
        if request.keyType == 1, !auth.authorize(.describe, .transactionalId, request.key) {
            return failure(.transactionalIdAuthorizationFailed, "Transactional Id authorization failed.")
        }
        switch request.keyType {
        case 0: break
        case 1: return findTransactionCoordinator(request.key, context, failure: failure)
        default: return failure(.invalidRequest, "unknown coordinator key type \(request.keyType)")
        }
        guard GroupCoordinator.isValidGroupId(request.key) else {
            return failure(.invalidGroupId, "group id '\(request.key)' cannot be a ZooKeeper node name")
        }
        guard let coordinator = groupCoordinator.coordinatorId(for: request.key),
            let endpoint = metadataCache.aliveBroker(coordinator)?.endpoints[context.connection.listenerName]
        else {
            return failure(.coordinatorNotAvailable, "no live broker to coordinate group '\(request.key)'")
        }
        // Kafka 2.8 writes `Errors.message()` here, which for NONE is its name: "NONE", not null.
        return FindCoordinatorResponse(
            errorCode: ErrorCode.noError.rawValue, errorMessage: ErrorCode.noError.name, nodeId: coordinator,
            host: endpoint.host, port: endpoint.port)
    }

    /// A transactional id's coordinator; an empty id is INVALID_REQUEST, as in Kafka.
    private func findTransactionCoordinator(
        _ transactionalId: String, _ context: RequestContext,
        failure: (ErrorCode, String) -> FindCoordinatorResponse
    ) -> FindCoordinatorResponse {
        guard !transactionalId.isEmpty else { return failure(.invalidRequest, "the transactional id must not be empty") }
        guard let coordinator = transactionCoordinator.coordinatorId(for: transactionalId),
            let endpoint = metadataCache.aliveBroker(coordinator)?.endpoints[context.connection.listenerName]
        else {
            return failure(.coordinatorNotAvailable, "no live broker to coordinate transactional id '\(transactionalId)'")
        }
        return FindCoordinatorResponse(
            errorCode: ErrorCode.noError.rawValue, errorMessage: ErrorCode.noError.name, nodeId: coordinator,
            host: endpoint.host, port: endpoint.port)
    }
}
