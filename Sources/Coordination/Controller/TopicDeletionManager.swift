import KafkaProtocol
/// Kafka's `TopicDeletionManager`, run by the active controller.
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
extension ActiveController {
    func initializeTopicDeletion(_ toDelete: Set<String>, ineligible: Set<String>) {
        logger.info(
            "Initializing topic deletion with initial deletions: \(toDelete.sorted()), initial ineligible deletions: \(ineligible.intersection(toDelete).sorted())")
        guard config.deleteTopicEnable else { return }  // processTopicDeletion drops the requests
        context.topicsToBeDeleted.formUnion(toDelete)
        context.topicsIneligibleForDeletion.formUnion(ineligible.intersection(context.topicsToBeDeleted))
    }

    func tryTopicDeletion() async throws {
        if config.deleteTopicEnable { try await resumeDeletions() }
    }

    /// `/admin/delete_topics` changed.
    func processTopicDeletion() async throws {
        var topics = Set(try await zk.topicDeletions())
        let nonExistent = topics.subtracting(context.allTopics)
        if !nonExistent.isEmpty {
            logger.warning("Ignoring request to delete non-existing topics \(nonExistent.sorted().joined(separator: ","))")
            for topic in nonExistent.sorted() { try await zk.deleteRecursively(ZkPaths.deleteTopic(topic)) }
        }
        topics.subtract(nonExistent)
        guard !topics.isEmpty else { return }
        guard config.deleteTopicEnable else {
            logger.info("Removing \(topics.sorted()) since delete topic is disabled")
            for topic in topics.sorted() { try await zk.deleteRecursively(ZkPaths.deleteTopic(topic)) }
            return
        }
        let newlyQueued = topics.subtracting(context.topicsToBeDeleted)
        guard !newlyQueued.isEmpty else { return }
        logger.info("Starting topic deletion for topics \(newlyQueued.sorted().joined(separator: ","))")
        context.topicsToBeDeleted.formUnion(newlyQueued)
        try await resumeDeletions()
    }

    /// A broker with replicas of these topics came back: their deletion may go on.
    func resumeDeletion(forTopics topics: Set<String>) async throws {
        guard config.deleteTopicEnable else { return }
        let resumable = topics.intersection(context.topicsToBeDeleted)
        guard !resumable.isEmpty else { return }
        context.topicsIneligibleForDeletion.subtract(resumable)
        try await resumeDeletions()
    }

    func failReplicaDeletion(_ replicas: [PartitionAndReplica]) async throws {
        guard config.deleteTopicEnable else { return }
        let failed = replicas.filter { context.isTopicQueuedForDeletion($0.topic) }
        guard !failed.isEmpty else { return }
        let topics = Set(failed.map(\.topic))
        logger.info("Deletion failed for replicas \(Self.list(failed)). Halting deletion for topics \(topics.sorted())")
        try await handleReplicaStateChanges(failed, to: .deletionIneligible)
        markTopicIneligibleForDeletion(topics, reason: "replica deletion failure")
        try await resumeDeletions()
    }

    func completeReplicaDeletion(_ replicas: [PartitionAndReplica]) async throws {
        let deleted = replicas.filter { context.isTopicQueuedForDeletion($0.topic) }
        logger.debug("Deletion successfully completed for replicas \(Self.list(deleted))")
        try await handleReplicaStateChanges(deleted, to: .deletionSuccessful)
        try await resumeDeletions()
    }

    /// A broker answered a StopReplica(delete=true): replicas without an error code are deleted; the others (and
    /// any partition the answer does not mention) failed.
    func processTopicDeletionStopReplicaResponse(
        broker: Int32, partitions: [TopicPartition], errors: [TopicPartition: ErrorCode]
    ) async throws {
        logger.debug("Delete topic callback invoked on StopReplica response received from broker \(broker): partition errors = \(errors)")
        let replicas = partitions.map { PartitionAndReplica(partition: $0, replica: broker) }
        let failed = replicas.filter { errors[$0.partition] != .noError }
        let succeeded = replicas.filter { errors[$0.partition] == .noError }
        try await failReplicaDeletion(failed)
        if !succeeded.isEmpty { try await completeReplicaDeletion(succeeded) }
    }

    private func markTopicIneligibleForDeletion(_ topics: Set<String>, reason: String) {
        let halted = context.topicsToBeDeleted.intersection(topics)
        context.topicsIneligibleForDeletion.formUnion(halted)
        if !halted.isEmpty { logger.info("Halted deletion of topics \(halted.sorted().joined(separator: ",")) due to \(reason)") }
    }

    private func isTopicEligibleForDeletion(_ topic: String) -> Bool {
        context.isTopicQueuedForDeletion(topic) && !context.isAnyReplica(ofTopic: topic, in: .deletionStarted)
            && !context.topicsIneligibleForDeletion.contains(topic)
    }

    private func resumeDeletions() async throws {
        let queued = context.topicsToBeDeleted.sorted()
        if !queued.isEmpty { logger.info("Handling deletion for topics \(queued.joined(separator: ","))") }
        var retry: [String] = []
        var eligible: [String] = []
        for topic in queued {
            if context.areAllReplicas(ofTopic: topic, in: .deletionSuccessful) {
                try await completeDeleteTopic(topic)
                logger.info("Deletion of topic \(topic) successfully completed")
                continue
            }
            if !context.isAnyReplica(ofTopic: topic, in: .deletionStarted)
                && context.isAnyReplica(ofTopic: topic, in: .deletionIneligible)
            {
                retry.append(topic)
            }
            if isTopicEligibleForDeletion(topic) {
                logger.info("Deletion of topic \(topic) (re)started")
                eligible.append(topic)
            }
        }
        if !retry.isEmpty {
            // Back to Offline, so that a later start can move them to DeletionStarted again.
            try await handleReplicaStateChanges(retry.flatMap { context.replicas(ofTopic: $0, in: .deletionIneligible) }, to: .offline)
        }
        if !eligible.isEmpty { try await onTopicDeletion(eligible) }
    }

    private func onTopicDeletion(_ topics: [String]) async throws {
        let unseen = topics.filter { !context.topicsWithDeletionStarted.contains($0) }
        if !unseen.isEmpty {
            let partitions = unseen.flatMap(context.partitions(ofTopic:))
            try await handlePartitionStateChanges(partitions, to: .offline)
            try await handlePartitionStateChanges(partitions, to: .nonExistent)
            context.topicsWithDeletionStarted.formUnion(unseen)
        }
        // Brokers stop serving the topics (leader -2) before their replicas are stopped.
        sendUpdateMetadataRequest(brokers: context.liveBrokerIds, partitions: topics.flatMap(context.partitions(ofTopic:)))
        try await onPartitionDeletion(topics)
    }

    private func onPartitionDeletion(_ topics: [String]) async throws {
        var dead: [PartitionAndReplica] = []
        var toStop: [PartitionAndReplica] = []
        var ineligible: Set<String> = []
        for topic in topics {
            let replicas = context.replicas(ofTopic: topic)
            let deadReplicas = replicas.filter { !context.isReplicaOnline($0.replica) }
            let succeeded = Set(context.replicas(ofTopic: topic, in: .deletionSuccessful))
            dead += deadReplicas
            toStop += replicas.filter { context.isReplicaOnline($0.replica) && !succeeded.contains($0) }
            if !deadReplicas.isEmpty {
                logger.debug("Dead Replicas (\(Self.list(deadReplicas))) found for topic \(topic)")
                ineligible.insert(topic)
            }
        }
        try await handleReplicaStateChanges(dead, to: .deletionIneligible)
        try await handleReplicaStateChanges(toStop, to: .offline)
        try await handleReplicaStateChanges(toStop, to: .deletionStarted)
        if !ineligible.isEmpty { markTopicIneligibleForDeletion(ineligible, reason: "offline replicas") }
    }

    private func completeDeleteTopic(_ topic: String) async throws {
        unwatchPartitionModifications(topic)
        try await handleReplicaStateChanges(context.replicas(ofTopic: topic, in: .deletionSuccessful), to: .nonExistent)
        try await zk.deleteRecursively(ZkPaths.topic(topic))
        try await zk.deleteRecursively(ZkPaths.topicConfig(topic))
        try await zk.deleteRecursively(ZkPaths.deleteTopic(topic))
        for group in try await zk.children(ZkPaths.consumers).sorted() {
            try await zk.deleteRecursively(ZkPaths.consumerOffsets(group: group, topic: topic))
            try await zk.deleteRecursively(ZkPaths.consumerOffsetsMetadata(group: group, topic: topic))
        }
        context.removeTopic(topic)
    }
}
