import KafkaProtocol
/// Kafka's `ReplicaStateMachine`, run by the active controller: replicas go New -> Online <-> Offline, and through
/// DeletionStarted -> DeletionSuccessful (or DeletionIneligible) -> NonExistent while their topic is deleted.
/// Going Offline takes the replica out of the partition's ISR (conditional write of the state znode).
extension ActiveController {
    /// Live replicas are Online and get LeaderAndIsr; the others go Offline (and leave the ISRs).
    func replicaStateMachineStartup() async throws {
        var online: [PartitionAndReplica] = []
        var offline: [PartitionAndReplica] = []
        for replica in context.replicas(of: context.allPartitions) {
            if context.isReplicaOnline(replica.replica) {
                context.replicaStates[replica] = .online
                online.append(replica)
            } else {
                // Dead brokers' replicas cannot be deleted until they return.
                context.replicaStates[replica] = .deletionIneligible
                offline.append(replica)
            }
        }
        try await handleReplicaStateChanges(online, to: .online)
        try await handleReplicaStateChanges(offline, to: .offline)
    }

    /// Moves `replicas` to `target` (broker by broker) and sends the requests that produces.
    func handleReplicaStateChanges(_ replicas: [PartitionAndReplica], to target: ReplicaLifecycle) async throws {
        guard !replicas.isEmpty else { return }
        defer { sendRequestsToBrokers() }
        do {
            for (broker, group) in Dictionary(grouping: replicas, by: \.replica).sorted(by: { $0.key < $1.key }) {
                try await doHandleReplicaStateChanges(broker, group.sorted(), to: target)
            }
        } catch let error where Self.endsTerm(error) {
            throw error
        } catch {
            logger.error("Error while moving some replicas to \(target) state: \(error)")
        }
    }

    private func doHandleReplicaStateChanges(_ broker: Int32, _ replicas: [PartitionAndReplica], to target: ReplicaLifecycle) async throws {
        var valid: [PartitionAndReplica] = []
        for replica in replicas {
            let current = context.replicaState(replica)
            if target.validPreviousStates.contains(current) {
                valid.append(replica)
            } else {
                logger.error(
                    "Controller \(controllerId) epoch \(epoch) initiated state change of replica \(broker) for partition \(replica.partition) from \(current) to \(target) failed: it should be in one of [\(target.validPreviousStates.map(\.description).sorted().joined(separator: ","))] states")
            }
        }
        switch target {
        case .new:
            for replica in valid {
                if let state = context.leadership[replica.partition] {
                    guard state.leaderAndIsr.leader != broker else {
                        logger.error("Replica \(broker) for partition \(replica.partition) cannot be moved to NewReplica state as it is being requested to become leader")
                        continue
                    }
                    batch.addLeaderAndIsr(brokers: [broker], partition: replica.partition, state: state, isNew: true, context: context)
                }
                context.replicaStates[replica] = .new
            }
        case .online:
            for replica in valid {
                if context.replicaState(replica) != .new, let state = context.leadership[replica.partition] {
                    batch.addLeaderAndIsr(brokers: [broker], partition: replica.partition, state: state, isNew: false, context: context)
                }
                context.replicaStates[replica] = .online
            }
        case .offline:
            try await takeOffline(broker, valid)
        case .deletionStarted:
            for replica in valid {
                context.replicaStates[replica] = .deletionStarted
                batch.addStopReplica(brokers: [broker], partition: replica.partition, delete: true)
            }
        case .deletionIneligible, .deletionSuccessful:
            for replica in valid { context.replicaStates[replica] = target }
        case .nonExistent:
            for replica in valid {
                if var assignment = context.assignment(replica.partition) {
                    assignment.replicas.removeAll { $0 == broker }
                    assignment.addingReplicas.removeAll { $0 == broker }
                    assignment.removingReplicas.removeAll { $0 == broker }
                    context.setAssignment(replica.partition, assignment)
                }
                context.replicaStates[replica] = nil
            }
        }
    }

    /// StopReplica (without deleting) to the replica, and out of the ISR of every partition that has state;
    /// LeaderAndIsr with the new ISR to the partition's other replicas.
    private func takeOffline(_ broker: Int32, _ replicas: [PartitionAndReplica]) async throws {
        for replica in replicas { batch.addStopReplica(brokers: [broker], partition: replica.partition, delete: false) }
        let withState = replicas.filter { context.leadership[$0.partition] != nil }
        let updated = try await removeReplicaFromIsr(broker, withState.map(\.partition))
        for replica in withState {
            guard let state = updated[replica.partition] else { continue }
            logger.info("Partition \(replica.partition) state changed to \(state.leaderAndIsr) after removing replica \(broker) from the ISR as part of transition to OfflineReplica")
            if !context.isTopicQueuedForDeletion(replica.topic) {
                let recipients = context.replicas(replica.partition).filter { $0 != broker }
                batch.addLeaderAndIsr(brokers: recipients, partition: replica.partition, state: state, isNew: false, context: context)
            }
            context.replicaStates[replica] = .offline
        }
        for replica in replicas where context.leadership[replica.partition] == nil {
            batch.addUpdateMetadata(brokers: context.liveBrokerIds, partitions: [replica.partition], context: context)
            context.replicaStates[replica] = .offline
        }
    }

    /// Kafka's `removeReplicasFromIsr`: re-reads each state znode and, where the replica is in the ISR, writes the ISR
    /// without it (and no leader if it led), conditionally; retries partitions a leader changed meanwhile. Returns
    /// the states now in ZooKeeper for the partitions that succeeded.
    private func removeReplicaFromIsr(_ replica: Int32, _ partitions: [TopicPartition]) async throws
        -> [TopicPartition: LeaderIsrAndControllerEpoch]
    {
        var results: [TopicPartition: LeaderIsrAndControllerEpoch] = [:]
        var remaining = partitions
        var rounds = 0
        while !remaining.isEmpty && rounds < Self.conflictRetriesMax {
            rounds += 1
            var retry: [TopicPartition] = []
            var removals: [(TopicPartition, LeaderAndIsr)] = []
            for (partition, read) in try await zk.partitionStates(remaining) {
                let current: LeaderIsrAndControllerEpoch
                switch read {
                case .failure(let error):
                    logger.error("Failed to change state of replica \(replica) for partition \(partition): \(error)")
                    continue
                case .success(nil):
                    if !context.isTopicQueuedForDeletion(partition.topic) {
                        logger.error("Failed to change state of replica \(replica) for partition \(partition) since the leader and isr path in zookeeper is empty")
                    }
                    continue
                case .success(let state?):
                    current = state
                }
                guard current.controllerEpoch <= epoch else {
                    logger.error(
                        "Leader and isr path of \(partition) written by another controller with epoch \(current.controllerEpoch). This probably means the current controller with epoch \(epoch) went through a soft failure; aborting state change by this controller")
                    continue
                }
                guard current.leaderAndIsr.isr.contains(replica) else {
                    context.leadership[partition] = current
                    results[partition] = current
                    continue
                }
                removals.append((partition, PartitionLeaderElection.removing(replica, from: current.leaderAndIsr)))
            }
            for ((partition, adjusted), (_, outcome)) in zip(removals, try await zk.updatePartitionStates(removals)) {
                switch outcome {
                case .badVersion:
                    retry.append(partition)
                case .noNode:
                    logger.error("Failed to remove replica \(replica) from the ISR of \(partition): its state znode is gone")
                case .updated(let zkVersion):
                    var written = adjusted
                    written.zkVersion = zkVersion
                    let state = LeaderIsrAndControllerEpoch(written, controllerEpoch: epoch)
                    context.leadership[partition] = state
                    results[partition] = state
                }
            }
            remaining = retry
        }
        if !remaining.isEmpty {
            logger.error("Gave up removing replica \(replica) from the ISR of \(Self.list(remaining)) after \(Self.conflictRetriesMax) conflicting updates")
        }
        return results
    }
}
