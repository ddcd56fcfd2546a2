import KafkaProtocol
import ZooKeeper

extension AdminZkClient {
    /// Raises a topic's partition count to `newCount` (CreatePartitions), with Kafka's assignment for the new
    /// partitions unless `assignments` gives one replica list per new partition. Returns the full assignment; with
    /// `validateOnly` nothing is written.
    @discardableResult
    public func createPartitions(
        topic: String, newCount: Int32, assignments: [[Int32]]? = nil, validateOnly: Bool = false
    ) async throws -> [Int32: [Int32]] {
        guard (try? TopicName.validate(topic)) != nil else {
            throw AdminError.unknownTopic("The topic '\(topic)' does not exist.")
        }
        if try await zk.isTopicMarkedForDeletion(topic) {
            throw AdminError.invalidTopic("The topic is queued for deletion.")
        }
        guard let node = try await zk.topicAssignment(topic), !node.partitions.isEmpty else {
            throw AdminError.unknownTopic("The topic '\(topic)' does not exist.")
        }
        if node.partitions.values.contains(where: { !$0.addingReplicas.isEmpty || !$0.removingReplicas.isEmpty }) {
            throw AdminError(
                code: .reassignmentInProgress,
                message: "A partition reassignment is in progress for the topic '\(topic)'.")
        }
        let oldCount = Int32(node.partitions.count)
        if newCount < oldCount {
            throw AdminError.partitions(
                "Topic currently has \(oldCount) partitions, which is higher than the requested \(newCount).")
        }
        if newCount == oldCount {
            throw AdminError.partitions("Topic already has \(oldCount) partitions.")
        }
        try Self.checkFitsInZNode(partitions: Int64(newCount), replicationFactor: Int64(node.partitions[0]?.replicas.count ?? 1))
        let brokers = try await zk.liveBrokerIds()
        let added = try newPartitionsAssignment(
            topic: topic, existing: node.replicaAssignment, brokers: brokers, newCount: newCount, manual: assignments)
        try replicaLimit?.check(adding: added.values)
        var updated = node
        for (partition, replicas) in added { updated.partitions[partition] = PartitionReplicas(replicas) }
        let data = updated.encoded()
        if data.count > Self.maxTopicZNodeBytes {
            throw AdminError.replicaAssignment(
                "The assignment of \(updated.partitions.count) partitions takes \(data.count) bytes in ZooKeeper, more than a znode holds (\(Self.maxTopicZNodeBytes))")
        }
        guard !validateOnly else { return updated.replicaAssignment }
        logger.info("Creating \(added.count) partitions for '\(topic)' with the following replica assignment: \(Self.describe(added)).")
        try await zk.zooKeeper.setData(ZkPaths.topic(topic), data: data)
        return updated.replicaAssignment
    }

    /// Kafka's `createNewPartitionsAssignment`: new partitions continue the round-robin from the broker at or after
    /// partition 0's first replica, with partition 0's replication factor.
    func newPartitionsAssignment(
        topic: String, existing: [Int32: [Int32]], brokers: [Int32], newCount: Int32, manual: [[Int32]]?
    ) throws(AdminError) -> [Int32: [Int32]] {
        guard let partition0 = existing[0], let head = partition0.first else {
            throw AdminError(
                code: .unknownServerError,
                message: "Unexpected existing replica assignment for topic '\(topic)', partition id 0 is missing. "
                    + "Assignment: \(Self.describe(existing))")
        }
        let oldCount = Int32(existing.count)
        if let manual {
            return try validateManual(manual, oldCount: oldCount, newCount: newCount, replicationFactor: partition0.count, brokers: brokers)
        }
        let startIndex = max(0, brokers.firstIndex { $0 >= head } ?? -1)
        return try ReplicaAssignment.assign(
            brokers: brokers, partitions: newCount - oldCount, replicationFactor: Int32(partition0.count),
            startPartitionId: oldCount, placement: ReplicaPlacement(fixedStartIndex: startIndex))
    }

    /// The checks of `ZkAdminManager.createPartitions` and `AdminZkClient.validateReplicaAssignment`.
    private func validateManual(
        _ manual: [[Int32]], oldCount: Int32, newCount: Int32, replicationFactor: Int, brokers: [Int32]
    ) throws(AdminError) -> [Int32: [Int32]] {
        let live = Set(brokers)
        let unknown = Set(manual.joined()).subtracting(live).sorted()
        if !unknown.isEmpty {
            throw .replicaAssignment("Unknown broker(s) in replica assignment: \(unknown.map(String.init).joined(separator: ", ")).")
        }
        let increment = newCount - oldCount
        if manual.count != Int(increment) {
            throw .replicaAssignment("Increasing the number of partitions by \(increment) but \(manual.count) assignments provided.")
        }
        var result: [Int32: [Int32]] = [:]
        for (index, replicas) in manual.enumerated() {
            let partition = oldCount + Int32(index)
            let list = replicas.map(String.init).joined(separator: ", ")
            if replicas.isEmpty {
                throw .replicaAssignment("Cannot have replication factor of 0 for partition id \(partition).")
            }
            if Set(replicas).count != replicas.count {
                throw .replicaAssignment("Duplicate brokers not allowed in replica assignment: \(list) for partition id \(partition).")
            }
            result[partition] = replicas
        }
        let bad = result.filter { $0.value.count != replicationFactor }.sorted { $0.key < $1.key }
        if !bad.isEmpty {
            throw .replicaAssignment(
                "Inconsistent replication factor between partitions, partition 0 has \(replicationFactor) while partitions "
                    + "[\(bad.map { String($0.key) }.joined(separator: ", "))] have replication factors "
                    + "[\(bad.map { String($0.value.count) }.joined(separator: ", "))], respectively.")
        }
        return result
    }
}
