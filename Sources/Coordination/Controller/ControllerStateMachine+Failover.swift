import KafkaProtocol
/// Becoming the controller (Kafka's `onControllerFailover`): rebuild the context from ZooKeeper, tell every live
/// broker everything, and bring every partition online that can be. Also ISR change notifications, which re-read
/// partition states the same way.
extension ControllerStateMachine {
    mutating func onControllerFailover() {
        log(.info, "Controller \(controllerId) active with epoch \(epoch) (epoch zkVersion \(context.epoch.zkVersion))")
        push(.deleteIsrChangeNotifications, .initializeControllerContext, .initializeTopicDeletion, .startStateMachines,
             .resumeReassignments)
    }

    mutating func initialBrokersRead(_ brokers: [BrokerAndEpoch]) {
        for broker in brokers {
            context.liveBrokers[broker.broker.id] = broker
            emit(.connect(broker))
        }
        log(.info, "Initialized controller with live brokers: \(Self.list(context.liveBrokerIds.sorted()))")
        ask(.allTopics, then: .initialTopics)
    }

    mutating func initialTopicsRead(_ topics: [String]) {
        context.allTopics = Set(topics)
        for topic in topics.sorted() { emit(.watchTopic(topic)) }
        ask(.topicAssignments(topics.sorted()), then: .initialAssignments)
    }

    mutating func initialAssignmentsRead(_ reads: [(String, Result<TopicZNode?, ZkDataError>)]) {
        for (topic, read) in reads {
            switch read {
            case .success(let node):
                for (partition, replicas) in node?.partitions ?? [:] { context.setAssignment(TopicPartition(topic, partition), replicas) }
            case .failure(let error):
                log(.error, "Ignoring topic \(topic): \(error)")  // one bad znode must not keep the cluster without a controller
            }
        }
        push(.readLeadership(context.allPartitions),
             .log(.info, "Initialized \(context.allTopics.count) topics with \(context.allPartitions.count) partitions"))
    }

    /// Reads into the context; a state znode that cannot be parsed is logged and skipped: the partition stays without
    /// a known leader, and every other partition is handled.
    mutating func updateLeaderAndIsrCache(_ reads: [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)]) {
        for (partition, read) in reads {
            switch read {
            case .success(let state?): context.leadership[partition] = state
            case .success(nil): break
            case .failure(let error): log(.error, "Ignoring the state of partition \(partition): \(error)")
            }
        }
    }

    /// Brokers learn the live brokers and every partition before the LeaderAndIsr requests the state machines send:
    /// this is how a restarted broker learns again which partitions it leads. Partitions that lost their leader are
    /// elected first; then every live replica gets LeaderAndIsr and the dead ones leave the ISRs (see
    /// `replicaStateMachineStartup`).
    mutating func startStateMachines() {
        sendUpdateMetadataRequest(brokers: context.liveBrokerIds, partitions: context.leadership.keys)
        let replicas = replicaStateMachineStartup()
        push(.partitionStateMachineStartup, .replicaStateChange(replicas.online, to: .online),
             .replicaStateChange(replicas.offline, to: .offline),
             .log(.info, "Ready to serve as the new controller with epoch \(epoch)"), .resumeDeletions)
    }

    // MARK: ISR change notifications

    /// Leaders that changed an ISR leave `/isr_change_notification/isr_change_<seq>`: re-read those partitions, tell
    /// every broker, and delete the notifications (Kafka's `processIsrChangeNotification`).
    mutating func processIsrChangeNotification(_ notifications: [(name: String, data: [UInt8]?)]) {
        guard !notifications.isEmpty else { return }
        var partitions: Set<TopicPartition> = []
        for (name, data) in notifications {
            guard let data else { continue }
            do {
                partitions.formUnion(try IsrChangeNotification.decode(data).map { TopicPartition($0.topic, $0.partition) })
            } catch {
                log(.warning, "Ignoring ISR change notification \(name): \(error)")
            }
        }
        let known = partitions.filter { context.assignment($0) != nil }.sorted()
        if !known.isEmpty {
            push(.readLeadership(known), .removeUnavailableReplicasFromIsr(known),
                 .updateMetadata(brokers: nil, partitions: known), .checkReassignmentsComplete(known))
        }
        push(.deletePaths(notifications.map { ZkPaths.isrChangeNotification + "/" + $0.name }))
    }

    /// A leader may add a follower to its ISR just as that follower's broker shuts down or dies: the follower
    /// fetched once more, and the leader's conditional write landed after the controller had taken the broker out of
    /// that ISR (it found nothing to remove). Kafka 2.8 leaves such a replica in the ISR until the broker returns,
    /// so a partition with no new records reports a dead in-sync replica for good. Replicas in a changed ISR on a
    /// broker that is dead or shutting down go Offline again: out of the ISR, conditional on the state just read.
    mutating func removeUnavailableReplicasFromIsr(_ partitions: [TopicPartition]) {
        var unavailable: [PartitionAndReplica] = []
        for partition in partitions {
            guard let state = context.leadership[partition]?.leaderAndIsr, state.leader >= 0 else { continue }
            for replica in state.isr where replica != state.leader && !context.isReplicaOnline(replica, partition) {
                unavailable.append(PartitionAndReplica(partition: partition, replica: replica))
            }
        }
        guard !unavailable.isEmpty else { return }
        log(.info, "Changed ISRs list replicas on brokers that are dead or shutting down: \(Self.list(unavailable)); taking them out")
        push(.replicaStateChange(unavailable, to: .offline))
    }
}
