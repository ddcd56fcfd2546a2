import KafkaProtocol
/// Kafka's `ReplicaStateMachine`, run by the controller's state machine: replicas go New -> Online <-> Offline, and
/// through DeletionStarted -> DeletionSuccessful (or DeletionIneligible) -> NonExistent while their topic is
/// deleted. Going Offline takes the replica out of the partition's ISR (conditional write of the state znode).
extension ControllerStateMachine {
    /// The replica states of a new controller: live replicas Online, the others DeletionIneligible (a dead
    /// broker's replicas cannot be deleted until it returns). Returns both lists without sending anything: the
    /// caller moves them (LeaderAndIsr to the live ones, the dead ones out of the ISRs) after the election.
    ///
    /// Kafka moves them here, before any election: every live replica gets LeaderAndIsr for every partition, and
    /// each dead replica leaves every ISR with one ZooKeeper write per partition (10,000 writes for a dead broker of
    /// a 10,000-partition RF=3 cluster), all while the partitions it led have no leader. Electing first leaves
    /// them leaderless only for the election's own writes, and the election already keeps dead replicas out of the
    /// ISRs it writes, so those partitions need no second write.
    mutating func replicaStateMachineStartup() -> (online: [PartitionAndReplica], offline: [PartitionAndReplica]) {
        var online: [PartitionAndReplica] = []
        var offline: [PartitionAndReplica] = []
        for replica in context.replicas(of: context.allPartitions) {
            if context.isReplicaOnline(replica.replica, replica.partition, includeShuttingDown: true) {
                context.replicaStates[replica] = .online
                online.append(replica)
            } else {
                context.replicaStates[replica] = .deletionIneligible
                offline.append(replica)
            }
        }
        return (online, offline)
    }

    /// Moves `replicas` to `target` (broker by broker), then sends the requests that produces.
    mutating func handleReplicaStateChanges(_ replicas: [PartitionAndReplica], to target: ReplicaLifecycle) {
        guard !replicas.isEmpty else { return }
        for (broker, group) in Dictionary(grouping: replicas, by: \.replica).sorted(by: { $0.key < $1.key }) {
            changeReplicaStates(broker, group.sorted(), to: target)
        }
        push(.sendRequests)
    }

    private mutating func changeReplicaStates(_ broker: Int32, _ replicas: [PartitionAndReplica], to target: ReplicaLifecycle) {
        var valid: [PartitionAndReplica] = []
        for replica in replicas {
            let current = context.replicaState(replica)
            if target.validPreviousStates.contains(current) {
                valid.append(replica)
            } else {
                log(.error,
                    "Controller \(controllerId) epoch \(epoch) initiated state change of replica \(broker) for partition \(replica.partition) from \(current) to \(target) failed: it should be in one of [\(target.validPreviousStates.map(\.description).sorted().joined(separator: ","))] states")
            }
        }
        switch target {
        case .new:
            for replica in valid {
                if let state = context.leadership[replica.partition] {
                    guard state.leaderAndIsr.leader != broker else {
                        log(.error, "Replica \(broker) for partition \(replica.partition) cannot be moved to NewReplica state as it is being requested to become leader")
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
            if !valid.isEmpty { push(.takeOffline(IsrRemoval(replica: broker, replicas: valid, context: context))) }
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

    // MARK: going offline

    /// StopReplica (without deleting) to the replica, and out of the ISR of every partition that has state (Kafka's
    /// `removeReplicasFromIsr`): where the replica is in the ISR, write the ISR without it (and no leader if it led),
    /// conditionally, the first round from the states held (`heldStates`); partitions a leader changed meanwhile are
    /// read again.
    mutating func takeOffline(_ removal: IsrRemoval) {
        if removal.round == 1 {
            for replica in removal.replicas {
                batch.addStopReplica(brokers: [removal.replica], partition: replica.partition, delete: false)
            }
        }
        guard !removal.remaining.isEmpty, removal.round <= Self.conflictRetriesMax else {
            finishTakingOffline(removal)
            return
        }
        if removal.round == 1, let held = heldStates(removal.remaining) {
            isrRemovalRead(removal, held)
            return
        }
        ask(.partitionStates(removal.remaining), then: .isrRemovalRead(removal))
    }

    mutating func isrRemovalRead(_ removal: IsrRemoval, _ reads: [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)]) {
        var removal = removal
        var writes: [PartitionStateUpdate] = []
        let replica = removal.replica
        for (partition, read) in reads {
            let current: LeaderIsrAndControllerEpoch
            switch read {
            case .failure(let error):
                log(.error, "Failed to change state of replica \(replica) for partition \(partition): \(error)")
                continue
            case .success(nil):
                if !context.isTopicQueuedForDeletion(partition.topic) {
                    log(.error, "Failed to change state of replica \(replica) for partition \(partition) since the leader and isr path in zookeeper is empty")
                }
                continue
            case .success(let state?):
                current = state
            }
            guard current.controllerEpoch <= epoch else {
                log(.error,
                    "Leader and isr path of \(partition) written by another controller with epoch \(current.controllerEpoch). This probably means the current controller with epoch \(epoch) went through a soft failure; aborting state change by this controller")
                continue
            }
            guard current.leaderAndIsr.isr.contains(replica) else {
                context.leadership[partition] = current
                removal.results[partition] = current
                continue
            }
            writes.append(PartitionStateUpdate(partition: partition, leaderAndIsr: PartitionLeaderElection.removing(replica, from: current.leaderAndIsr)))
        }
        removal.remaining = []
        if writes.isEmpty {
            finishTakingOffline(removal)
        } else {
            ask(.updatePartitionStates(writes), then: .isrRemovalWritten(removal, writes))
        }
    }

    mutating func isrRemovalWritten(
        _ removal: IsrRemoval, _ writes: [PartitionStateUpdate], _ outcomes: [(TopicPartition, PartitionStateUpdateOutcome)]
    ) {
        var removal = removal
        for (write, (_, outcome)) in zip(writes, outcomes) {
            switch outcome {
            case .badVersion:
                removal.remaining.append(write.partition)
            case .noNode:
                log(.error, "Failed to remove replica \(removal.replica) from the ISR of \(write.partition): its state znode is gone")
            case .updated(let zkVersion):
                var written = write.leaderAndIsr
                written.zkVersion = zkVersion
                let state = LeaderIsrAndControllerEpoch(written, controllerEpoch: epoch)
                context.leadership[write.partition] = state
                removal.results[write.partition] = state
            }
        }
        removal.round += 1
        if !removal.remaining.isEmpty, removal.round > Self.conflictRetriesMax {
            log(.error, "Gave up removing replica \(removal.replica) from the ISR of \(Self.list(removal.remaining)) after \(Self.conflictRetriesMax) conflicting updates")
        }
        takeOffline(removal)
    }

    /// LeaderAndIsr with the new ISR to the partition's other replicas; the replicas are Offline.
    private mutating func finishTakingOffline(_ removal: IsrRemoval) {
        let broker = removal.replica
        for replica in removal.replicas where removal.partitionsWithState.contains(replica.partition) {
            guard let state = removal.results[replica.partition] else { continue }
            log(.info, "Partition \(replica.partition) state changed to \(state.leaderAndIsr) after removing replica \(broker) from the ISR as part of transition to OfflineReplica")
            if !context.isTopicQueuedForDeletion(replica.topic) {
                let recipients = context.replicas(replica.partition).filter { $0 != broker }
                batch.addLeaderAndIsr(brokers: recipients, partition: replica.partition, state: state, isNew: false, context: context)
            }
            context.replicaStates[replica] = .offline
        }
        for replica in removal.replicas where !removal.partitionsWithState.contains(replica.partition) {
            batch.addUpdateMetadata(brokers: context.liveBrokerIds, partitions: [replica.partition], context: context)
            context.replicaStates[replica] = .offline
        }
    }
}

/// Replicas of one broker going Offline: the partitions whose ISR still has to lose it, and the states written.
struct IsrRemoval {
    var replica: Int32
    var replicas: [PartitionAndReplica]
    /// The partitions that had a leader and ISR when the transition began.
    var partitionsWithState: Set<TopicPartition>
    var remaining: [TopicPartition]
    var round = 1
    var results: [TopicPartition: LeaderIsrAndControllerEpoch] = [:]

    init(replica: Int32, replicas: [PartitionAndReplica], context: ControllerContext) {
        self.replica = replica
        self.replicas = replicas
        let withState = replicas.map(\.partition).filter { context.leadership[$0] != nil }
        self.partitionsWithState = Set(withState)
        self.remaining = withState
    }
}
