import KafkaProtocol
/// Topics and partitions appearing (Kafka's `processTopicChange`, `processPartitionModifications`,
/// `onNewPartitionCreation`).
extension ActiveController {
    func processTopicChange() async throws {
        let topics = Set(try await zk.allTopics())
        let added = topics.subtracting(context.allTopics).sorted()
        let deleted = context.allTopics.subtracting(topics).sorted()
        guard !added.isEmpty || !deleted.isEmpty else { return }
        context.allTopics = topics
        for topic in added { watchPartitionModifications(topic) }
        for topic in deleted {
            unwatchPartitionModifications(topic)
            context.removeTopic(topic)
        }
        var newPartitions: [TopicPartition] = []
        var described: [String] = []
        for topic in added {
            let node: TopicZNode
            do {
                guard let read = try await zk.topicAssignment(topic) else { continue }
                node = read
            } catch let error as ZkDataError {
                // One bad znode must not keep the other new topics of this batch without leaders.
                logger.error("Ignoring new topic \(topic): \(error)")
                continue
            }
            for (partition, replicas) in node.partitions.sorted(by: { $0.key < $1.key }) {
                let key = TopicPartition(topic, partition)
                context.setAssignment(key, replicas)
                newPartitions.append(key)
                described.append("\(key) -> [\(Self.list(replicas.replicas))]")
            }
        }
        logger.info(
            "New topics: [\(added.joined(separator: ","))], deleted topics: [\(deleted.joined(separator: ","))], new partition replica assignment [\(described.joined(separator: ", "))]")
        if !newPartitions.isEmpty { try await onNewPartitionCreation(newPartitions) }
    }

    func processPartitionModifications(_ topic: String) async throws {
        guard context.allTopics.contains(topic), let node = try await zk.topicAssignment(topic) else { return }
        let toAdd = node.partitions.filter { context.assignment(TopicPartition(topic, $0.key)) == nil }
        guard !toAdd.isEmpty else { return }
        if context.isTopicQueuedForDeletion(topic) {
            logger.warning(
                "Skipping adding partitions \(Self.list(toAdd.keys.sorted())) for topic \(topic) since it is currently being deleted")
            try await restorePartitionReplicaAssignment(node)
            return
        }
        logger.info("New partitions to be added \(toAdd.keys.sorted().map { "\(topic)-\($0)" }.joined(separator: ","))")
        for (partition, replicas) in toAdd { context.setAssignment(TopicPartition(topic, partition), replicas) }
        try await onNewPartitionCreation(toAdd.keys.sorted().map { TopicPartition(topic, $0) })
    }

    /// New partitions: New, then Online with leader = first live replica and ISR = live replicas (state znodes
    /// created conditionally on the controller epoch), LeaderAndIsr to the replicas, UpdateMetadata to everyone.
    func onNewPartitionCreation(_ partitions: [TopicPartition]) async throws {
        logger.info("New partition creation callback for \(Self.list(partitions))")
        try await handlePartitionStateChanges(partitions, to: .new)
        try await handleReplicaStateChanges(context.replicas(of: partitions), to: .new)
        try await handlePartitionStateChanges(partitions, to: .online)
        try await handleReplicaStateChanges(context.replicas(of: partitions), to: .online)
    }

    /// Puts back the assignment the controller knows when partitions were added to a topic being deleted.
    private func restorePartitionReplicaAssignment(_ node: TopicZNode) async throws {
        logger.info("Restoring the partition replica assignment for topic \(node.topic)")
        var restored = node
        restored.partitions = context.assignments[node.topic] ?? [:]
        try await zk.fenced([.setData(path: ZkPaths.topic(node.topic), data: restored.encoded(), version: -1)])
    }
}
