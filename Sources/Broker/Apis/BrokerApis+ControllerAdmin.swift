import Coordination
import KafkaProtocol

/// Requests answered by the controller (Kafka's `handleControlledShutdownRequest` and `handleElectReplicaLeader`):
/// a broker that is not the controller answers NOT_CONTROLLER, and the asker finds the controller in metadata.
extension BrokerApis {
    /// A broker stopping asks for its leaderships to move. The request must name the broker's current registration:
    /// any client could otherwise take every leadership away from a live broker. Kafka skips the check for v0/v1,
    /// which carry no epoch (-1); Gregor refuses those with STALE_BROKER_EPOCH, as it refuses controller requests
    /// without an epoch (`ControllerRequestGuard`). Gregor's brokers send v3.
    /// Like every controller request, it needs CLUSTER_ACTION on the cluster.
    func controlledShutdown(_ request: ControlledShutdownRequest, _ context: RequestContext) async -> ControlledShutdownResponse {
        guard authorizer(context).authorizeCluster(.clusterAction) else {
            return ControlledShutdownResponse(errorCode: ErrorCode.clusterAuthorizationFailed.rawValue)
        }
        guard let controller = zkSession.membership?.activeController else {
            return ControlledShutdownResponse(errorCode: ErrorCode.notController.rawValue)
        }
        guard request.brokerEpoch >= 0 else {
            logger.warning(
                "Refusing ControlledShutdown v\(context.apiVersion) for broker \(request.brokerId) from \(context.connection): it carries no broker epoch")
            return ControlledShutdownResponse(errorCode: ErrorCode.staleBrokerEpoch.rawValue)
        }
        switch await controller.controlledShutdown(brokerId: request.brokerId, brokerEpoch: request.brokerEpoch) {
        case nil:
            return ControlledShutdownResponse(errorCode: ErrorCode.notController.rawValue)
        case .failed(let code)?:
            return ControlledShutdownResponse(errorCode: code.rawValue)
        case .completed(let remaining)?:
            return ControlledShutdownResponse(
                errorCode: 0,
                remainingPartitions: remaining.map { .init(topicName: $0.topic, partitionIndex: $0.partition) })
        }
    }

    /// Preferred or unclean leader election. Successful partitions are answered once this broker's metadata shows
    /// the new leader (so the asker's next metadata request agrees), or REQUEST_TIMED_OUT after `timeout_ms`, as
    /// Kafka's `DelayedElectLeader` does. Needs ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED for the
    /// request and for each partition it names.
    func electLeaders(_ request: ElectLeadersRequest, _ context: RequestContext) async -> ElectLeadersResponse {
        let requested = request.topicPartitions.map { topics in
            topics.flatMap { topic in topic.partitionId.map { TopicPartition(topic.topic, $0) } }
        }
        guard authorizer(context).authorizeCluster(.alter) else {
            let error = ErrorCode.clusterAuthorizationFailed.rawValue
            let byTopic = Dictionary(grouping: requested ?? [], by: \.topic)
            return ElectLeadersResponse(
                errorCode: error,
                replicaElectionResults: byTopic.keys.sorted().map { topic in
                    .init(topic: topic, partitionResult: Set(byTopic[topic] ?? []).sorted().map {
                        .init(partitionId: $0.partition, errorCode: error, errorMessage: nil)
                    })
                })
        }
        guard let type = ElectionType(rawValue: context.apiVersion == 0 ? 0 : request.electionType) else {
            return ElectLeadersResponse(errorCode: ErrorCode.invalidRequest.rawValue)
        }
        var results: [TopicPartition: ElectionOutcome]
        if let controller = zkSession.membership?.activeController,
            let answered = await controller.electLeaders(requested, type: type)
        {
            results = answered
        } else {
            results = Dictionary((requested ?? []).map { ($0, .failed(.notController, message: nil)) }, uniquingKeysWith: { first, _ in first })
        }
        results = await waitForLeadersInMetadata(results, timeoutMs: request.timeoutMs)
        if requested == nil {
            // Asked for every partition, Kafka answers only those elected or failed: the ones already led by the
            // right replica (ELECTION_NOT_NEEDED) are left out (KafkaApis.handleElectReplicaLeader).
            results = results.filter { _, outcome in
                if case .failed(.electionNotNeeded, _) = outcome { return false }
                return true
            }
        }
        let byTopic = Dictionary(grouping: results.keys, by: \.topic)
        return ElectLeadersResponse(
            errorCode: 0,
            replicaElectionResults: byTopic.keys.sorted().map { topic in
                .init(topic: topic, partitionResult: byTopic[topic]!.sorted().map { partition in
                    switch results[partition]! {
                    case .elected: .init(partitionId: partition.partition, errorCode: 0, errorMessage: nil)
                    case .failed(let code, let message):
                        .init(partitionId: partition.partition, errorCode: code.rawValue, errorMessage: message)
                    }
                })
            })
    }

    /// Elected partitions not yet led as elected in this broker's metadata after `timeoutMs` become REQUEST_TIMED_OUT.
    private func waitForLeadersInMetadata(_ results: [TopicPartition: ElectionOutcome], timeoutMs: Int32) async -> [TopicPartition: ElectionOutcome] {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(max(0, timeoutMs)))
        var results = results
        while true {
            let pending = results.filter { partition, outcome in
                // A partition gone from the metadata (its topic deleted meanwhile) waits for nothing.
                guard case .elected(let leader) = outcome,
                    let current = metadataCache.partition(partition.topic, partition.partition)
                else { return false }
                return current.leader != leader
            }.keys
            if pending.isEmpty { return results }
            if clock.now >= deadline || Task.isCancelled {
                for partition in pending { results[partition] = .failed(.requestTimedOut, message: nil) }
                return results
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
