import KafkaProtocol
import Foundation

/// Kafka's `PartitionStateMachine` (NonExistent -> New -> Online <-> Offline -> NonExistent), run by the active
/// controller: moving a partition Online creates or rewrites its state znode (fenced by the controller epoch, and
/// conditional on the znode's zkVersion) and queues LeaderAndIsr/UpdateMetadata in `batch`.
extension ActiveController {
    func partitionStateMachineStartup() async throws {
        for partition in context.allPartitions {
            if let state = context.leadership[partition] {
                context.partitionStates[partition] = context.isReplicaOnline(state.leaderAndIsr.leader) ? .online : .offline
            } else {
                context.partitionStates[partition] = .new
            }
        }
        try await triggerOnlinePartitionStateChange()
    }

    /// Tries to bring every New or Offline partition online, except those of topics being deleted.
    func triggerOnlinePartitionStateChange(topic: String? = nil) async throws {
        let partitions = context.partitions(in: [.offline, .new]).filter {
            (topic == nil || $0.topic == topic) && !context.isTopicQueuedForDeletion($0.topic)
        }
        try await handlePartitionStateChanges(partitions, to: .online)
    }

    /// Moves `partitions` to `target` and sends the requests that produces. Failures of single partitions are
    /// logged (they stay where they were); only errors that end the controller's term are thrown.
    func handlePartitionStateChanges(_ partitions: [TopicPartition], to target: PartitionLifecycle) async throws {
        guard !partitions.isEmpty else { return }
        defer { sendRequestsToBrokers() }
        do {
            try await doHandlePartitionStateChanges(partitions, to: target)
        } catch let error where Self.endsTerm(error) {
            throw error
        } catch {
            logger.error("Error while moving some partitions to \(target) state: \(error)")
        }
    }

    private func doHandlePartitionStateChanges(_ partitions: [TopicPartition], to target: PartitionLifecycle) async throws {
        var valid: [TopicPartition] = []
        for partition in partitions {
            let current = context.partitionState(partition)
            if target.validPreviousStates.contains(current) {
                valid.append(partition)
            } else {
                logger.error(
                    "Controller \(controllerId) epoch \(epoch) failed to change state for partition \(partition) from \(current) to \(target): it should be in one of [\(target.validPreviousStates.map(\.description).sorted().joined(separator: ","))] states")
            }
        }
        switch target {
        case .new:
            for partition in valid {
                logger.info(
                    "Changed partition \(partition) state from \(context.partitionState(partition)) to \(target) with assigned replicas \(Self.list(context.replicas(partition)))")
                context.partitionStates[partition] = .new
            }
        case .online:
            // Both lists before either step: initialising moves partitions Online, and they must not be elected again.
            let uninitialized = valid.filter { context.partitionState($0) == .new }
            let toElect = valid.filter { [.offline, .online].contains(context.partitionState($0)) }
            try await initializeLeaderAndIsr(uninitialized)
            try await electLeaders(toElect)
        case .offline, .nonExistent:
            for partition in valid { context.partitionStates[partition] = target }
        }
    }

    /// New partitions: leader = first live replica, ISR = live replicas; creates the state znodes (pipelined).
    private func initializeLeaderAndIsr(_ partitions: [TopicPartition]) async throws {
        var creations: [(TopicPartition, LeaderIsrAndControllerEpoch)] = []
        for partition in partitions {
            let replicas = context.replicas(partition)
            guard let leaderAndIsr = PartitionLeaderElection.initial(assignment: replicas, live: context.liveBrokerIds) else {
                logger.error(
                    "Controller \(controllerId) epoch \(epoch) encountered error during state change of partition \(partition) from New to Online, assigned replicas are [\(Self.list(replicas))], live brokers are [\(Self.list(context.liveBrokerIds.sorted()))]. No assigned replica is alive.")
                continue
            }
            creations.append((partition, LeaderIsrAndControllerEpoch(leaderAndIsr, controllerEpoch: epoch)))
        }
        for (partition, created) in try await zk.createPartitionStates(creations) {
            guard let created else {
                logger.error(
                    "Controller \(controllerId) epoch \(epoch) failed to change state for partition \(partition) from NewPartition to OnlinePartition: its state znode already exists")
                continue
            }
            context.leadership[partition] = created
            batch.addLeaderAndIsr(brokers: created.leaderAndIsr.isr, partition: partition, state: created, isNew: true, context: context)
            logger.info("Changed partition \(partition) from NewPartition to OnlinePartition with state \(created.leaderAndIsr)")
            context.partitionStates[partition] = .online
        }
    }

    /// Kafka's `OfflinePartitionLeaderElectionStrategy`: re-reads each state znode, elects from the live ISR (or
    /// uncleanly where allowed), and writes conditionally; a znode a leader changed meanwhile is read again. Reads
    /// and writes of all partitions are pipelined; the decisions and their bookkeeping happen one by one.
    private func electLeaders(_ partitions: [TopicPartition]) async throws {
        var remaining = partitions
        var rounds = 0
        var uncleanByTopic: [String: Bool] = [:]
        while !remaining.isEmpty {
            rounds += 1
            guard rounds <= Self.conflictRetriesMax else {
                logger.error("Gave up electing leaders for \(Self.list(remaining)) after \(Self.conflictRetriesMax) conflicting updates")
                return
            }
            var elections: [(TopicPartition, current: LeaderIsrAndControllerEpoch, elected: LeaderAndIsr)] = []
            for (partition, read) in try await zk.partitionStates(remaining) {
                let from = context.partitionState(partition)
                let current: LeaderIsrAndControllerEpoch
                switch read {
                case .failure(let error):
                    logger.error("Failed to elect leader for partition \(partition): \(error)")
                    continue
                case .success(nil):
                    logger.error("Failed to elect leader for partition \(partition): LeaderAndIsr information doesn't exist for partition \(partition) in \(from) state")
                    continue
                case .success(let state?):
                    current = state
                }
                guard current.controllerEpoch <= epoch else {
                    logger.error(
                        "Aborted leader election for partition \(partition) since the LeaderAndIsr path was already written by another controller. This probably means that the current controller \(controllerId) went through a soft failure and another controller was elected with epoch \(current.controllerEpoch).")
                    continue
                }
                let live = context.liveBrokerIds
                var unclean = false
                if PartitionLeaderElection.needsUncleanElection(isr: current.leaderAndIsr.isr, live: live) {
                    if let known = uncleanByTopic[partition.topic] {
                        unclean = known
                    } else {
                        unclean = try await uncleanLeaderElectionEnabled(partition.topic)
                        uncleanByTopic[partition.topic] = unclean
                    }
                }
                guard let elected = PartitionLeaderElection.leaderForOffline(
                    current: current.leaderAndIsr, assignment: context.replicas(partition), live: live, uncleanAllowed: unclean)
                else {
                    logger.error(
                        "Controller \(controllerId) epoch \(epoch) failed to change state for partition \(partition) from \(from) to OnlinePartition: Failed to elect leader for partition \(partition) under strategy OfflinePartitionLeaderElectionStrategy(false)")
                    continue
                }
                elections.append((partition, current, elected))
            }
            var retry: [TopicPartition] = []
            let outcomes = try await zk.updatePartitionStates(elections.map { ($0.0, $0.elected) })
            for ((partition, current, elected), (_, outcome)) in zip(elections, outcomes) {
                switch outcome {
                case .badVersion:
                    retry.append(partition)
                case .noNode:
                    logger.error("Failed to elect leader for partition \(partition): its state znode is gone")
                case .updated(let zkVersion):
                    recordElection(partition, from: current, elected: elected, zkVersion: zkVersion)
                }
            }
            if !retry.isEmpty { logger.info("Retrying leader election with strategy OfflinePartitionLeaderElectionStrategy(false) for partitions \(Self.list(retry))") }
            remaining = retry
        }
    }

    /// The bookkeeping of a leader written to ZooKeeper: the context, LeaderAndIsr to the live replicas, the state.
    private func recordElection(_ partition: TopicPartition, from current: LeaderIsrAndControllerEpoch, elected: LeaderAndIsr, zkVersion: Int32) {
        let from = context.partitionState(partition)
        var written = elected
        written.zkVersion = zkVersion
        let state = LeaderIsrAndControllerEpoch(written, controllerEpoch: epoch)
        context.leadership[partition] = state
        if !current.leaderAndIsr.isr.contains(elected.leader) {
            logger.warning(
                "Unclean leader election for partition \(partition): broker \(elected.leader) becomes leader though it was not in the ISR [\(Self.list(current.leaderAndIsr.isr))]; records the old ISR had may be lost")
        }
        let replicas = context.replicas(partition)
        batch.addLeaderAndIsr(brokers: replicas.filter(context.liveBrokerIds.contains), partition: partition, state: state, isNew: false, context: context)
        logger.info("Changed partition \(partition) from \(from) to OnlinePartition with state \(written)")
        context.partitionStates[partition] = .online
    }

    /// The topic's `unclean.leader.election.enable` override, else the broker's (Kafka's `LogConfig` lookup).
    private func uncleanLeaderElectionEnabled(_ topic: String) async throws -> Bool {
        let override = try await zk.topicConfig(topic)?["unclean.leader.election.enable"]
        switch override?.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true": return true
        case "false": return false
        default: return config.uncleanLeaderElectionEnable
        }
    }
}
