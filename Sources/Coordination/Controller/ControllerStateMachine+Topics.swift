import KafkaProtocol
/// Topics and partitions appearing (Kafka's `processTopicChange`, `processPartitionModifications`,
/// `onNewPartitionCreation`).
extension ControllerStateMachine {
    mutating func processTopicChange(_ read: [String]) {
        let topics = Set(read)
        let added = topics.subtracting(context.allTopics).sorted()
        let deleted = context.allTopics.subtracting(topics).sorted()
        guard !added.isEmpty || !deleted.isEmpty else { return }
        context.allTopics = topics
        for topic in added { emit(.watchTopic(topic)) }
        for topic in deleted {
            emit(.unwatchTopic(topic))
            context.removeTopic(topic)
        }
        if added.isEmpty {
            newTopicAssignmentsRead([], added: added, deleted: deleted)
        } else {
            ask(.topicAssignments(added), then: .newTopicAssignments(added: added, deleted: deleted))
        }
    }

    mutating func newTopicAssignmentsRead(
        _ reads: [(String, Result<TopicZNode?, ZkDataError>)], added: [String], deleted: [String]
    ) {
        var newPartitions: [TopicPartition] = []
        var described: [String] = []
        for (topic, read) in reads {
            // One bad znode must not keep the other new topics of this batch without leaders.
            guard let node = topicNode(read, orLog: "Ignoring new topic \(topic)") else { continue }
            for (partition, replicas) in node.partitions.sorted(by: { $0.key < $1.key }) {
                let key = TopicPartition(topic, partition)
                context.setAssignment(key, replicas)
                newPartitions.append(key)
                described.append("\(key) -> [\(Self.list(replicas.replicas))]")
            }
        }
        log(.info,
            "New topics: [\(added.joined(separator: ","))], deleted topics: [\(deleted.joined(separator: ","))], new partition replica assignment [\(described.joined(separator: ", "))]")
        if !newPartitions.isEmpty { push(.newPartitionCreation(newPartitions)) }
    }

    mutating func processPartitionModifications(_ topic: String, _ reads: [(String, Result<TopicZNode?, ZkDataError>)]) {
        guard let (_, read) = reads.first(where: { $0.0 == topic }),
            let node = topicNode(read, orLog: "Ignoring a change of topic \(topic)")
        else { return }
        let toAdd = node.partitions.filter { context.assignment(TopicPartition(topic, $0.key)) == nil }
        guard !toAdd.isEmpty else { return }
        if context.isTopicQueuedForDeletion(topic) {
            log(.warning, "Skipping adding partitions \(Self.list(toAdd.keys.sorted())) for topic \(topic) since it is currently being deleted")
            // Puts back the assignment the controller knows.
            log(.info, "Restoring the partition replica assignment for topic \(topic)")
            var restored = node
            restored.partitions = context.assignments[topic] ?? [:]
            ask(.setTopicAssignment(restored), then: .ignore)
            return
        }
        log(.info, "New partitions to be added \(toAdd.keys.sorted().map { "\(topic)-\($0)" }.joined(separator: ","))")
        for (partition, replicas) in toAdd { context.setAssignment(TopicPartition(topic, partition), replicas) }
        push(.newPartitionCreation(toAdd.keys.sorted().map { TopicPartition(topic, $0) }))
    }

    /// The topic's znode; nil when it is gone or cannot be parsed (logged with `message`).
    private mutating func topicNode(_ read: Result<TopicZNode?, ZkDataError>, orLog message: String) -> TopicZNode? {
        switch read {
        case .success(let node): return node
        case .failure(let error):
            log(.error, "\(message): \(error)")
            return nil
        }
    }

    /// New partitions: New, then Online with leader = first live replica and ISR = live replicas (state znodes
    /// created conditionally on the controller epoch), LeaderAndIsr to the replicas, UpdateMetadata to everyone.
    mutating func onNewPartitionCreation(_ partitions: [TopicPartition]) {
        log(.info, "New partition creation callback for \(Self.list(partitions))")
        let replicas = context.replicas(of: partitions)
        push(.partitionStateChange(partitions, to: .new), .replicaStateChange(replicas, to: .new),
             .partitionStateChange(partitions, to: .online), .replicaStateChange(replicas, to: .online))
    }
}
