import KafkaProtocol
/// Kafka's `TopicDeletionManager`, run by the controller's state machine.
///
/// A topic queued under `/admin/delete_topics` gets UpdateMetadata with leader -2 for its partitions, then
/// StopReplica (delete=true) to every replica. Once every replica answered without error the topic's znodes go:
/// `/brokers/topics/<t>` (recursively), `/config/topics/<t>`, `/admin/delete_topics/<t>`, and Gregor's committed
/// offsets `/consumers/*/offsets/<t>` and `/consumers/*/offsets_metadata/<t>`. A replica on a dead broker makes the
/// topic ineligible: its deletion waits until that broker is back.
///
/// The offsets go without the groups' coordinator fences (`GroupFence`): the topic is gone, so no coordinator's
/// offsets for it are worth keeping. A coordinator whose idea of the group's znodes is now stale has its next write
/// refused and retried by `GroupOffsetStore`.
extension ControllerStateMachine {
    mutating func initializeTopicDeletion(_ toDelete: Set<String>) {
        // Topics with a replica on a dead broker cannot proceed now.
        let ineligible = context.allTopics.filter { topic in
            context.replicas(ofTopic: topic).contains { !context.isReplicaOnline($0.replica, $0.partition) }
        }
        log(.info,
            "Initializing topic deletion with initial deletions: \(toDelete.sorted()), initial ineligible deletions: \(ineligible.intersection(toDelete).sorted())")
        guard config.deleteTopicEnable else { return }  // processTopicDeletion drops the requests
        context.topicsToBeDeleted.formUnion(toDelete)
        context.topicsIneligibleForDeletion.formUnion(ineligible.intersection(context.topicsToBeDeleted))
    }

    /// `/admin/delete_topics` changed.
    mutating func processTopicDeletion(_ requested: Set<String>) {
        var topics = requested
        let nonExistent = topics.subtracting(context.allTopics)
        var dropped: [String] = []
        if !nonExistent.isEmpty {
            log(.warning, "Ignoring request to delete non-existing topics \(nonExistent.sorted().joined(separator: ","))")
            dropped += nonExistent.sorted()
        }
        topics.subtract(nonExistent)
        if !topics.isEmpty, !config.deleteTopicEnable {
            log(.info, "Removing \(topics.sorted()) since delete topic is disabled")
            dropped += topics.sorted()
            topics = []
        }
        push(.deletePaths(dropped.map(ZkPaths.deleteTopic)))
        let newlyQueued = topics.subtracting(context.topicsToBeDeleted)
        guard !newlyQueued.isEmpty else { return }
        log(.info, "Starting topic deletion for topics \(newlyQueued.sorted().joined(separator: ","))")
        context.topicsToBeDeleted.formUnion(newlyQueued)
        push(.resumeDeletions)
    }

    /// A broker with replicas of these topics came back: their deletion may go on.
    mutating func resumeDeletion(forTopics topics: Set<String>) {
        guard config.deleteTopicEnable else { return }
        let resumable = topics.intersection(context.topicsToBeDeleted)
        guard !resumable.isEmpty else { return }
        context.topicsIneligibleForDeletion.subtract(resumable)
        push(.resumeDeletions)
    }

    mutating func failReplicaDeletion(_ replicas: [PartitionAndReplica]) {
        guard config.deleteTopicEnable else { return }
        let failed = replicas.filter { context.isTopicQueuedForDeletion($0.topic) }
        guard !failed.isEmpty else { return }
        let topics = Set(failed.map(\.topic))
        log(.info, "Deletion failed for replicas \(Self.list(failed)). Halting deletion for topics \(topics.sorted())")
        push(.replicaStateChange(failed, to: .deletionIneligible),
             .markTopicsIneligibleForDeletion(topics, reason: "replica deletion failure"), .resumeDeletions)
    }

    mutating func completeReplicaDeletion(_ replicas: [PartitionAndReplica]) {
        let deleted = replicas.filter { context.isTopicQueuedForDeletion($0.topic) }
        log(.debug, "Deletion successfully completed for replicas \(Self.list(deleted))")
        push(.replicaStateChange(deleted, to: .deletionSuccessful), .resumeDeletions)
    }

    /// A broker answered a StopReplica(delete=true): replicas without an error code are deleted; the others (and
    /// any partition the answer does not mention) failed.
    mutating func processTopicDeletionStopReplicaResponse(
        broker: Int32, partitions: [TopicPartition], errors: [TopicPartition: ErrorCode]
    ) {
        log(.debug, "Delete topic callback invoked on StopReplica response received from broker \(broker): partition errors = \(errors)")
        let replicas = partitions.map { PartitionAndReplica(partition: $0, replica: broker) }
        let failed = replicas.filter { errors[$0.partition] != .noError }
        let succeeded = replicas.filter { errors[$0.partition] == .noError }
        push(.failReplicaDeletion(failed))
        if !succeeded.isEmpty { push(.completeReplicaDeletion(succeeded)) }
    }

    mutating func markTopicIneligibleForDeletion(_ topics: Set<String>, reason: String) {
        let halted = context.topicsToBeDeleted.intersection(topics)
        context.topicsIneligibleForDeletion.formUnion(halted)
        if !halted.isEmpty { log(.info, "Halted deletion of topics \(halted.sorted().joined(separator: ",")) due to \(reason)") }
    }

    private func isTopicEligibleForDeletion(_ topic: String) -> Bool {
        context.isTopicQueuedForDeletion(topic) && !context.isAnyReplica(ofTopic: topic, in: .deletionStarted)
            && !context.topicsIneligibleForDeletion.contains(topic)
            && !context.partitionsBeingReassigned.contains { $0.topic == topic }
    }

    mutating func resumeDeletions() {
        guard config.deleteTopicEnable else { return }
        let queued = context.topicsToBeDeleted.sorted()
        if !queued.isEmpty { log(.info, "Handling deletion for topics \(queued.joined(separator: ","))") }
        var retry: [String] = []
        var eligible: [String] = []
        for topic in queued {
            if context.areAllReplicas(ofTopic: topic, in: .deletionSuccessful) {
                push(.completeDeleteTopic(topic))
                continue
            }
            if !context.isAnyReplica(ofTopic: topic, in: .deletionStarted)
                && context.isAnyReplica(ofTopic: topic, in: .deletionIneligible)
            {
                retry.append(topic)
            }
            if isTopicEligibleForDeletion(topic) {
                log(.info, "Deletion of topic \(topic) (re)started")
                eligible.append(topic)
            }
        }
        if !retry.isEmpty {
            // Back to Offline, so that a later start can move them to DeletionStarted again.
            push(.replicaStateChange(retry.flatMap { context.replicas(ofTopic: $0, in: .deletionIneligible) }, to: .offline))
        }
        if !eligible.isEmpty { push(.onTopicDeletion(eligible)) }
    }

    mutating func onTopicDeletion(_ topics: [String]) {
        let unseen = topics.filter { !context.topicsWithDeletionStarted.contains($0) }
        if !unseen.isEmpty {
            let partitions = unseen.flatMap(context.partitions(ofTopic:))
            context.topicsWithDeletionStarted.formUnion(unseen)
            push(.partitionStateChange(partitions, to: .offline), .partitionStateChange(partitions, to: .nonExistent))
        }
        // Brokers stop serving the topics (leader -2) before their replicas are stopped.
        push(.updateMetadata(brokers: nil, partitions: topics.flatMap(context.partitions(ofTopic:))), .onPartitionDeletion(topics))
    }

    mutating func onPartitionDeletion(_ topics: [String]) {
        var dead: [PartitionAndReplica] = []
        var toStop: [PartitionAndReplica] = []
        var ineligible: Set<String> = []
        for topic in topics {
            let replicas = context.replicas(ofTopic: topic)
            let deadReplicas = replicas.filter { !context.isReplicaOnline($0.replica, $0.partition) }
            let succeeded = Set(context.replicas(ofTopic: topic, in: .deletionSuccessful))
            dead += deadReplicas
            toStop += replicas.filter { context.isReplicaOnline($0.replica, $0.partition) && !succeeded.contains($0) }
            if !deadReplicas.isEmpty {
                log(.debug, "Dead Replicas (\(Self.list(deadReplicas))) found for topic \(topic)")
                ineligible.insert(topic)
            }
        }
        push(.replicaStateChange(dead, to: .deletionIneligible), .replicaStateChange(toStop, to: .offline),
             .replicaStateChange(toStop, to: .deletionStarted))
        if !ineligible.isEmpty { push(.markTopicsIneligibleForDeletion(ineligible, reason: "offline replicas")) }
    }

    /// Every replica is deleted: the topic's znodes go, then its committed offsets, then the controller forgets it.
    mutating func completeDeleteTopic(_ topic: String) {
        emit(.unwatchTopic(topic))
        handleReplicaStateChanges(context.replicas(ofTopic: topic, in: .deletionSuccessful), to: .nonExistent)
        ask(.deleteRecursively([ZkPaths.topic(topic), ZkPaths.topicConfig(topic), ZkPaths.deleteTopic(topic)]),
            then: .topicZNodesDeleted(topic))
    }

    mutating func deleteCommittedOffsets(_ topic: String, groups: [String]) {
        let paths = groups.sorted().flatMap {
            [ZkPaths.consumerOffsets(group: $0, topic: topic), ZkPaths.consumerOffsetsMetadata(group: $0, topic: topic)]
        }
        ask(.deleteRecursively(paths), then: .topicDeleted(topic))
    }

    mutating func topicDeleted(_ topic: String) {
        context.removeTopic(topic)
        log(.info, "Deletion of topic \(topic) successfully completed")
    }
}
