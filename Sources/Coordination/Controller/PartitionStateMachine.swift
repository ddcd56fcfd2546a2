import KafkaProtocol
import Foundation

/// Kafka's `PartitionStateMachine` (NonExistent -> New -> Online <-> Offline -> NonExistent), run by the
/// controller's state machine: moving a partition Online creates or rewrites its state znode (fenced by the
/// controller epoch, and conditional on the znode's zkVersion) and queues LeaderAndIsr/UpdateMetadata in `batch`.
extension ControllerStateMachine {
    mutating func partitionStateMachineStartup() {
        for partition in context.allPartitions {
            if let state = context.leadership[partition] {
                context.partitionStates[partition] = context.isReplicaOnline(state.leaderAndIsr.leader, partition) ? .online : .offline
            } else {
                context.partitionStates[partition] = .new
            }
        }
        push(.triggerOnlinePartitionStateChange)
    }

    /// Tries to bring every New or Offline partition online, except those of topics being deleted.
    mutating func triggerOnlinePartitionStateChange() {
        let partitions = context.partitions(in: [.offline, .new]).filter { !context.isTopicQueuedForDeletion($0.topic) }
        push(.partitionStateChange(partitions, to: .online))
    }

    /// Moves `partitions` to `target`, then sends the requests that produces. Partitions that cannot move are logged
    /// and stay where they were.
    mutating func handlePartitionStateChanges(_ partitions: [TopicPartition], to target: PartitionLifecycle) {
        guard !partitions.isEmpty else { return }
        var valid: [TopicPartition] = []
        for partition in partitions {
            let current = context.partitionState(partition)
            if target.validPreviousStates.contains(current) {
                valid.append(partition)
            } else {
                log(.error,
                    "Controller \(controllerId) epoch \(epoch) failed to change state for partition \(partition) from \(current) to \(target): it should be in one of [\(target.validPreviousStates.map(\.description).sorted().joined(separator: ","))] states")
            }
        }
        switch target {
        case .new:
            for partition in valid {
                log(.info,
                    "Changed partition \(partition) state from \(context.partitionState(partition)) to \(target) with assigned replicas \(Self.list(context.replicas(partition)))")
                context.partitionStates[partition] = .new
            }
        case .online:
            // Both lists before either step: initialising moves partitions Online, and they must not be elected again.
            let uninitialized = valid.filter { context.partitionState($0) == .new }
            let toElect = valid.filter { [.offline, .online].contains(context.partitionState($0)) }
            push(.initializeLeaderAndIsr(uninitialized), .electLeaders(LeaderElection(partitions: toElect)))
        case .offline, .nonExistent:
            for partition in valid { context.partitionStates[partition] = target }
        }
        push(.sendRequests)
    }

    /// New partitions: leader = first live replica, ISR = live replicas; creates the state znodes.
    mutating func initializeLeaderAndIsr(_ partitions: [TopicPartition]) {
        var creations: [PartitionStateCreation] = []
        for partition in partitions {
            let replicas = context.replicas(partition)
            guard let leaderAndIsr = PartitionLeaderElection.initial(assignment: replicas, live: context.onlineReplicas(partition)) else {
                log(.error,
                    "Controller \(controllerId) epoch \(epoch) encountered error during state change of partition \(partition) from New to Online, assigned replicas are [\(Self.list(replicas))], live brokers are [\(Self.list(context.liveBrokerIds.sorted()))]. No assigned replica is alive.")
                continue
            }
            creations.append(PartitionStateCreation(partition: partition, state: LeaderIsrAndControllerEpoch(leaderAndIsr, controllerEpoch: epoch)))
        }
        if !creations.isEmpty { ask(.createPartitionStates(creations), then: .partitionStatesCreated) }
    }

    mutating func partitionStatesCreated(_ results: [(TopicPartition, LeaderIsrAndControllerEpoch?)]) {
        for (partition, created) in results {
            guard let created else {
                log(.error,
                    "Controller \(controllerId) epoch \(epoch) failed to change state for partition \(partition) from NewPartition to OnlinePartition: its state znode already exists")
                continue
            }
            context.leadership[partition] = created
            batch.addLeaderAndIsr(brokers: created.leaderAndIsr.isr, partition: partition, state: created, isNew: true, context: context)
            log(.info, "Changed partition \(partition) from NewPartition to OnlinePartition with state \(created.leaderAndIsr)")
            context.partitionStates[partition] = .online
        }
    }

    // MARK: leader election

    /// Kafka's `OfflinePartitionLeaderElectionStrategy`: elects from the live ISR (or uncleanly where allowed) and
    /// writes conditionally; a znode a leader changed meanwhile is read again and the election retried.
    ///
    /// Kafka reads every state znode before it elects. The first round here decides from the states the controller
    /// already holds when it holds them all: each write is conditional on the zkVersion it was decided from, so a
    /// state that changed since fails with BadVersion and goes to the next round, which reads. A failover then elects
    /// without first reading again the thousands of states it read a moment ago.
    mutating func electLeaders(_ election: LeaderElection) {
        guard !election.partitions.isEmpty else { return }
        guard election.round <= Self.conflictRetriesMax else {
            log(.error, "Gave up electing leaders for \(Self.list(election.partitions)) after \(Self.conflictRetriesMax) conflicting updates")
            return
        }
        if election.round == 1, let held = heldStates(election.partitions) {
            electionStatesRead(election, held)
            return
        }
        ask(.partitionStates(election.partitions), then: .electionStatesRead(election))
    }

    mutating func electionStatesRead(
        _ election: LeaderElection, _ reads: [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)]
    ) {
        var states: [(TopicPartition, LeaderIsrAndControllerEpoch)] = []
        for (partition, read) in reads {
            switch read {
            case .failure(let error):
                log(.error, "Failed to elect leader for partition \(partition): \(error)")
            case .success(nil):
                log(.error,
                    "Failed to elect leader for partition \(partition): LeaderAndIsr information doesn't exist for partition \(partition) in \(context.partitionState(partition)) state")
            case .success(let state?):
                guard state.controllerEpoch <= epoch else {
                    log(.error,
                        "Aborted leader election for partition \(partition) since the LeaderAndIsr path was already written by another controller. This probably means that the current controller \(controllerId) went through a soft failure and another controller was elected with epoch \(state.controllerEpoch).")
                    continue
                }
                states.append((partition, state))
            }
        }
        // The topic's `unclean.leader.election.enable` is read only for offline elections of partitions that need it.
        let unknown = election.strategy != .offline ? [] : Set(states.filter {
            PartitionLeaderElection.needsUncleanElection(isr: $0.1.leaderAndIsr.isr, live: context.onlineReplicas($0.0))
                && election.uncleanByTopic[$0.0.topic] == nil
        }.map(\.0.topic))
        if unknown.isEmpty {
            decideLeaders(election, states)
        } else {
            ask(.topicConfigs(unknown.sorted()), then: .electionConfigsRead(election, states))
        }
    }

    /// The topic's `unclean.leader.election.enable` override, else the broker's (Kafka's `LogConfig` lookup). Overrides
    /// that cannot be read count as false: an election that may lose records needs a clear yes.
    mutating func electionConfigsRead(
        _ election: LeaderElection, _ states: [(TopicPartition, LeaderIsrAndControllerEpoch)],
        _ configs: [String: Result<[String: String], ZkDataError>]
    ) {
        var election = election
        for (topic, read) in configs {
            switch read {
            case .success(let overrides):
                switch overrides["unclean.leader.election.enable"]?.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true": election.uncleanByTopic[topic] = true
                case "false": election.uncleanByTopic[topic] = false
                default: election.uncleanByTopic[topic] = config.uncleanLeaderElectionEnable
                }
            case .failure(let error):
                log(.error, "Cannot read the config of topic \(topic) (\(error)): no unclean leader election for it")
                election.uncleanByTopic[topic] = false
            }
        }
        decideLeaders(election, states)
    }

    private mutating func decideLeaders(_ election: LeaderElection, _ states: [(TopicPartition, LeaderIsrAndControllerEpoch)]) {
        var decisions: [LeaderElection.Decision] = []
        for (partition, current) in states {
            let live = context.onlineReplicas(partition)
            let assignment = context.replicas(partition)
            let elected: LeaderAndIsr?
            switch election.strategy {
            case .offline, .offlineAllowingUnclean:
                let unclean = election.strategy == .offlineAllowingUnclean || (election.uncleanByTopic[partition.topic] ?? false)
                elected = PartitionLeaderElection.leaderForOffline(
                    current: current.leaderAndIsr, assignment: assignment, live: live, uncleanAllowed: unclean)
            case .controlledShutdown:
                elected = PartitionLeaderElection.leaderForControlledShutdown(
                    current: current.leaderAndIsr, assignment: assignment,
                    live: Set(assignment.filter { context.isReplicaOnline($0, partition, includeShuttingDown: true) }),
                    shuttingDown: context.shuttingDownBrokerIds)
            case .preferred:
                // Already there (another election got there first): nothing to write.
                if current.leaderAndIsr.leader == assignment.first { continue }
                elected = PartitionLeaderElection.leaderForPreferredReplica(current: current.leaderAndIsr, assignment: assignment, live: live)
            case .reassignment:
                elected = PartitionLeaderElection.leaderForReassignment(current: current.leaderAndIsr, target: assignment, live: live)
            case .leaderEpochBump:
                elected = current.leaderAndIsr.newLeaderAndIsr(leader: current.leaderAndIsr.leader, isr: current.leaderAndIsr.isr)
            }
            guard let elected else {
                log(.error,
                    "Controller \(controllerId) epoch \(epoch) failed to change state for partition \(partition) from \(context.partitionState(partition)) to OnlinePartition: Failed to elect leader for partition \(partition) under strategy \(election.strategy)")
                continue
            }
            decisions.append(LeaderElection.Decision(partition: partition, current: current, elected: elected))
        }
        guard !decisions.isEmpty else { return }
        let updates = decisions.map { PartitionStateUpdate(partition: $0.partition, leaderAndIsr: $0.elected) }
        ask(.updatePartitionStates(updates), then: .electionWritten(election, decisions))
    }

    mutating func electionWritten(
        _ election: LeaderElection, _ decisions: [LeaderElection.Decision], _ outcomes: [(TopicPartition, PartitionStateUpdateOutcome)]
    ) {
        var retry: [TopicPartition] = []
        for (decision, (_, outcome)) in zip(decisions, outcomes) {
            switch outcome {
            case .badVersion:
                retry.append(decision.partition)
            case .noNode:
                log(.error, "Failed to elect leader for partition \(decision.partition): its state znode is gone")
            case .updated(let zkVersion):
                recordElection(decision, zkVersion: zkVersion, strategy: election.strategy)
            }
        }
        guard !retry.isEmpty else { return }
        log(.info, "Retrying leader election with strategy \(election.strategy) for partitions \(Self.list(retry))")
        var next = election
        next.partitions = retry
        next.round += 1
        push(.electLeaders(next))
    }

    /// The bookkeeping of a leader written to ZooKeeper: the context, LeaderAndIsr to the live replicas, the state.
    private mutating func recordElection(_ decision: LeaderElection.Decision, zkVersion: Int32, strategy: LeaderElection.Strategy) {
        let partition = decision.partition
        let from = context.partitionState(partition)
        var written = decision.elected
        written.zkVersion = zkVersion
        let state = LeaderIsrAndControllerEpoch(written, controllerEpoch: epoch)
        context.leadership[partition] = state
        if written.leader >= 0, !decision.current.leaderAndIsr.isr.contains(written.leader) {
            log(.warning,
                "Unclean leader election for partition \(partition): broker \(written.leader) becomes leader though it was not in the ISR [\(Self.list(decision.current.leaderAndIsr.isr))]; records the old ISR had may be lost")
        }
        let replicas = context.replicas(partition)
        batch.addLeaderAndIsr(brokers: replicas.filter(context.liveBrokerIds.contains), partition: partition, state: state, isNew: false, context: context)
        log(.info,
            "Changed partition \(partition) from \(from) to OnlinePartition with state \(written) (leader was \(decision.current.leaderAndIsr.leader), elected by \(strategy))")
        if written.leader >= 0 { context.partitionStates[partition] = .online }
    }
}

/// One election under way: the partitions still to elect (those a leader changed meanwhile, in later rounds), how,
/// and what is known of their topics' unclean election setting.
struct LeaderElection {
    var partitions: [TopicPartition]
    var strategy: Strategy = .offline
    var round = 1
    var uncleanByTopic: [String: Bool] = [:]

    /// Kafka's `PartitionLeaderElectionStrategy`s; the descriptions are Kafka's, as its logs and errors print them.
    enum Strategy: Equatable, CustomStringConvertible {
        /// A partition without a live leader: from the live ISR, or uncleanly where the topic allows it.
        case offline
        /// ElectLeaders with election type UNCLEAN: as `.offline`, with unclean election allowed for every topic.
        case offlineAllowingUnclean
        /// Leadership leaves the brokers shutting down, for ISR members that stay.
        case controlledShutdown
        /// Leadership returns to the first assigned replica when it is alive and in the ISR.
        case preferred
        /// A reassignment's new assignment: the first target replica that is alive and in the ISR leads.
        case reassignment
        /// Not an election: the same leader and ISR with the next leader epoch, so that every replica learns a
        /// reassignment's replica set (Kafka's `updateLeaderEpochAndSendRequest`).
        case leaderEpochBump

        var description: String {
            switch self {
            case .offline: "OfflinePartitionLeaderElectionStrategy(false)"
            case .offlineAllowingUnclean: "OfflinePartitionLeaderElectionStrategy(true)"
            case .controlledShutdown: "ControlledShutdownPartitionLeaderElectionStrategy"
            case .preferred: "PreferredReplicaPartitionLeaderElectionStrategy"
            case .reassignment: "ReassignPartitionLeaderElectionStrategy"
            case .leaderEpochBump: "a leader epoch bump for a reassignment"
            }
        }
    }

    struct Decision {
        var partition: TopicPartition
        var current: LeaderIsrAndControllerEpoch
        var elected: LeaderAndIsr
    }
}
