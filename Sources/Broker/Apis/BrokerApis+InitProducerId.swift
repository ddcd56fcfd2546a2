import Coordination
import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleInitProducerIdRequest`. With a transactional id the id's transaction coordinator answers
    /// (`TransactionCoordinator`: the id's producer id with its epoch bumped, fencing the previous producer). Without
    /// one, for idempotent producers: a new producer id from the `ProducerIdManager`, epoch 0; any broker answers.
    ///
    /// A v3+ request carrying its current id and epoch (KIP-360: a producer resuming after a sequence error) also
    /// gets a new id with epoch 0, as Kafka 2.8's `TransactionCoordinator` answers every request without a
    /// transactional id. Partitions keep no registry of producer ids to check the old pair against, and a fresh id
    /// is what lets the producer restart its sequences at 0 everywhere.
    ///
    /// An empty transactional id gets INVALID_REQUEST, as in Kafka.
    ///
    /// Authorization comes first, as Kafka's: a transactional id needs WRITE on it (else
    /// TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE
    /// on some topic (KIP-679, else CLUSTER_AUTHORIZATION_FAILED).
    func initProducerId(_ request: InitProducerIdRequest, _ context: RequestContext) async -> InitProducerIdResponse {
        let auth = authorizer(context)
        if let transactionalId = request.transactionalId {
            if !auth.authorize(.write, .transactionalId, transactionalId) {
                return InitProducerIdResponse(
                    errorCode: ErrorCode.transactionalIdAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1)
            }
        } else if !auth.authorizeCluster(.idempotentWrite, logIfDenied: false), !auth.authorizeByResourceType(.write, .topic) {
            return InitProducerIdResponse(errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1)
        }
        if let refusal = Self.initProducerIdRefusal(request) {
            logger.info("Refused InitProducerId from client '\(context.clientId)': \(refusal.reason)")
            return InitProducerIdResponse(errorCode: refusal.errorCode.rawValue, producerId: -1, producerEpoch: -1)
        }
        if let transactionalId = request.transactionalId {
            let result = await transactionCoordinator.initProducerId(
                transactionalId: transactionalId, transactionTimeoutMs: request.transactionTimeoutMs,
                expectedProducerId: request.producerId, expectedProducerEpoch: request.producerEpoch, nowMs: TransactionCoordinator.nowMs())
            if result.error == .noError {
                logger.debug("Producer id \(result.producerId) (epoch \(result.producerEpoch)) for transactional id '\(transactionalId)'")
            }
            // Kafka: clients before v4 do not know PRODUCER_FENCED.
            let error = context.apiVersion < 4 && result.error == .producerFenced ? ErrorCode.invalidProducerEpoch : result.error
            return InitProducerIdResponse(
                errorCode: error.rawValue, producerId: result.error == .noError ? result.producerId : -1,
                producerEpoch: result.error == .noError ? result.producerEpoch : -1)
        }
        do {
            let producerId = try await producerIds.generateProducerId()
            logger.debug("Producer id \(producerId) (epoch 0) for client '\(context.clientId)'")
            return InitProducerIdResponse(errorCode: ErrorCode.noError.rawValue, producerId: producerId, producerEpoch: 0)
        } catch {
            let code = Self.initProducerIdErrorCode(for: error)
            logger.warning("No producer id for client '\(context.clientId)' (answering \(code)): \(error)")
            return InitProducerIdResponse(errorCode: code.rawValue, producerId: -1, producerEpoch: -1)
        }
    }

    /// Requests refused before any id is handed out, with the error code and the reason to log.
    static func initProducerIdRefusal(_ request: InitProducerIdRequest) -> (errorCode: ErrorCode, reason: String)? {
        if request.transactionalId?.isEmpty == true {
            return (.invalidRequest, "the transactional id must not be empty")
        }
        // Kafka's check: the id and epoch of v3+ come as a pair or not at all.
        if (request.producerId == -1) != (request.producerEpoch == -1) {
            return (.invalidRequest, "producer id \(request.producerId) and epoch \(request.producerEpoch) must both be -1 or both be set")
        }
        return nil
    }

    /// A failure to get an id: ZooKeeper trouble (connection loss, a session being replaced, lost races) is
    /// temporary, answered with COORDINATOR_LOAD_IN_PROGRESS, which clients simply retry (Kafka 3.x answers the
    /// same while its next block is on the way); used-up ids or a corrupt znode are not, UNKNOWN_SERVER_ERROR.
    static func initProducerIdErrorCode(for error: any Error) -> ErrorCode {
        switch error {
        case ProducerIdManager.Failure.exhausted, is ZkDataError: .unknownServerError
        default: .coordinatorLoadInProgress
        }
    }
}
