import KafkaProtocol

/// Elections asked for rather than forced by a failure (Kafka's `processReplicaLeaderElection`): ElectLeaders
/// (preferred or unclean) from admin clients, and the periodic preferred-replica election of
/// `auto.leader.rebalance.enable`.
extension ControllerStateMachine {
    /// Answers at once for the partitions that need no election (Kafka's messages), elects the rest, and answers for
    /// them from the leaders the election left.
    mutating func processElectLeaders(_ requested: [TopicPartition]?, type: ElectionType, reply: ControllerReplyID) {
        var answered: [TopicPartition: ElectionOutcome] = [:]
        var electable: [TopicPartition] = []
        for partition in Set(requested ?? context.allPartitions).sorted() {
            guard let assignment = context.assignment(partition) else {
                answered[partition] = .failed(.unknownTopicOrPartition, message: "The partition does not exist.")
                continue
            }
            if context.isTopicQueuedForDeletion(partition.topic) {
                answered[partition] = .failed(.invalidTopicException, message: "The topic is being deleted")
                continue
            }
            let leader = context.leadership[partition]?.leaderAndIsr.leader ?? LeaderAndIsr.noLeader
            let needed = switch type {
            case .preferred: leader != assignment.replicas.first
            case .unclean: leader == LeaderAndIsr.noLeader || !context.isReplicaOnline(leader, partition)
            }
            if needed {
                electable.append(partition)
            } else {
                answered[partition] = .failed(.electionNotNeeded, message: "Leader election not needed for topic partition.")
            }
        }
        if !electable.isEmpty {
            log(.info, "Starting replica leader election (\(type)) for partitions \(Self.list(electable)) triggered by AdminClientTriggered")
        }
        let strategy: LeaderElection.Strategy = type == .preferred ? .preferred : .offlineAllowingUnclean
        push(.electLeaders(LeaderElection(partitions: electable, strategy: strategy)), .sendRequests,
             .completeElectLeaders(answered, electable, type, reply: reply))
    }

    mutating func completeElectLeaders(
        _ answered: [TopicPartition: ElectionOutcome], _ elected: [TopicPartition], _ type: ElectionType,
        reply: ControllerReplyID
    ) {
        var results = answered
        for partition in elected {
            let leader = context.leadership[partition]?.leaderAndIsr.leader ?? LeaderAndIsr.noLeader
            let succeeded = switch type {
            case .preferred: leader == context.replicas(partition).first
            case .unclean: leader != LeaderAndIsr.noLeader && context.isReplicaOnline(leader, partition)
            }
            if succeeded {
                results[partition] = .elected(leader: leader)
            } else {
                let strategy: LeaderElection.Strategy = type == .preferred ? .preferred : .offlineAllowingUnclean
                results[partition] = .failed(
                    type == .preferred ? .preferredLeaderNotAvailable : .eligibleLeadersNotAvailable,
                    message: "Failed to elect leader for partition \(partition) under strategy \(strategy)")
            }
        }
        emit(.reply(reply, .electLeaders(results)))
    }

    /// `auto.leader.rebalance.enable`'s periodic check.
    mutating func checkAndTriggerAutoLeaderRebalance() {
        guard config.autoLeaderRebalanceEnable else { return }
        let partitions = PreferredReplicaImbalance.partitionsToRebalance(
            context, imbalancePerBrokerPercentage: config.leaderImbalancePerBrokerPercentage)
        guard !partitions.isEmpty else { return }
        log(.info, "Starting replica leader election (PREFERRED) for partitions \(Self.list(partitions)) triggered by AutoTriggered")
        push(.electLeaders(LeaderElection(partitions: partitions, strategy: .preferred)), .sendRequests)
    }
}
