import KafkaProtocol

/// Partition reassignment (Kafka's `onPartitionReassignment`, KIP-455), from AlterPartitionReassignments or
/// `/admin/reassign_partitions`. The assignment in ZooKeeper is updated first (replicas = target + origin, with
/// `adding_replicas`/`removing_replicas`), so a new controller resumes where this one stopped. Then:
/// - phase A, while some target replica is not in the ISR: the leader epoch goes up, every replica learns the
///   full assignment (the leader starts tracking the new followers), and the new replicas are created;
/// - phase B, once the ISR holds every target replica (seen through the leader's ISR change notification): the
///   assignment becomes the target, leadership moves into it if needed, the removed replicas leave the ISR and are
///   deleted, ZooKeeper gets the final assignment, and the partition leaves `/admin/reassign_partitions`.
/// Nothing is removed before everything added is in sync, so no acknowledged record depends on a replica that
/// goes away.
extension ControllerStateMachine {
    // MARK: requests

    /// AlterPartitionReassignments: `nil` targets cancel (back to the origin replicas).
    mutating func processAlterPartitionReassignments(_ requested: [TopicPartition: [Int32]?], reply: ControllerReplyID) {
        var results: [TopicPartition: ApiError] = [:]
        var toStart: [(TopicPartition, PartitionReplicas)] = []
        for (partition, target) in requested.sorted(by: { $0.key < $1.key }) {
            switch reassignment(partition, to: target) {
            case .success(let assignment?): toStart.append((partition, assignment))
            case .success(nil): results[partition] = ApiError(.noReassignmentInProgress)
            case .failure(let error): results[partition] = error
            }
        }
        for (partition, _) in toStart { results[partition] = .success }
        // The latest reassignment wins: one asked for here leaves the ZooKeeper one.
        let superseded = Set(toStart.map(\.0)).intersection(context.zkReassignments.keys)
        if !superseded.isEmpty { push(.removeZkReassignments(superseded)) }
        push(.startReassignments(toStart), .answer(reply, .alterPartitionReassignments(results)))
    }

    mutating func processListPartitionReassignments(_ partitions: [TopicPartition]?, reply: ControllerReplyID) {
        var results: [TopicPartition: PartitionReplicas] = [:]
        for partition in partitions ?? Array(context.partitionsBeingReassigned) {
            if let assignment = context.assignment(partition), assignment.isBeingReassigned { results[partition] = assignment }
        }
        emit(.reply(reply, .listPartitionReassignments(results)))
    }

    /// The assignment a request leads to: nil when it cancels nothing; `.failure` with Kafka's error.
    private func reassignment(_ partition: TopicPartition, to target: [Int32]?) -> Result<PartitionReplicas?, ApiError> {
        guard let current = context.assignment(partition), !context.isTopicQueuedForDeletion(partition.topic) else {
            return .failure(ApiError(.unknownTopicOrPartition, "The partition does not exist."))
        }
        guard let target else {
            return .success(current.isBeingReassigned ? current.reassigned(to: current.originReplicas) : nil)
        }
        if let error = ReassignmentValidation.check(
            target, current: current, liveBrokers: context.liveBrokerIds.subtracting(context.shuttingDownBrokerIds))
        {
            return .failure(error)
        }
        return .success(current.reassigned(to: target))
    }

    // MARK: /admin/reassign_partitions

    mutating func zkReassignmentsRead(_ read: Result<[TopicPartition: [Int32]]?, ZkDataError>) {
        let requested: [TopicPartition: [Int32]]
        switch read {
        case .success(let reassignments?): requested = reassignments
        case .success(nil):
            context.zkReassignments = [:]
            return
        case .failure(let error):
            log(.error, "Ignoring \(ZkPaths.reassignPartitions): \(error); delete or rewrite it")
            return
        }
        var toStart: [(TopicPartition, PartitionReplicas)] = []
        var failed: [TopicPartition: ApiError] = [:]
        for (partition, target) in requested.sorted(by: { $0.key < $1.key }) {
            // Already running with this target (a rewrite of the znode, or the controller's own removal): go on.
            if context.zkReassignments[partition] == target, context.partitionsBeingReassigned.contains(partition) { continue }
            switch reassignment(partition, to: target) {
            case .success(let assignment?): toStart.append((partition, assignment))
            case .success(nil): failed[partition] = ApiError(.noReassignmentInProgress)
            case .failure(let error): failed[partition] = error
            }
        }
        context.zkReassignments = requested
        if !failed.isEmpty {
            log(.warning,
                "Failed reassignment through zk with the following errors: \(failed.keys.sorted().map { "\($0) -> \(failed[$0]!)" }.joined(separator: ", "))")
            push(.removeZkReassignments(Set(failed.keys)))
        }
        push(.startReassignments(toStart))
    }

    /// Kafka's `maybeRemoveFromZkReassignment`.
    mutating func removeZkReassignments(_ partitions: Set<TopicPartition>) {
        let remaining = context.zkReassignments.filter { !partitions.contains($0.key) }
        guard remaining.count != context.zkReassignments.count else { return }
        context.zkReassignments = remaining
        ask(.setReassignPartitions(remaining), then: .ignore)
    }

    // MARK: the reassignment of one partition

    mutating func startReassignments(_ reassignments: [(TopicPartition, PartitionReplicas)]) {
        for (partition, assignment) in reassignments {
            log(.info,
                "Reassigning partition \(partition) from [\(Self.list(context.replicas(partition)))] to [\(Self.list(assignment.targetReplicas))]: replicas [\(Self.list(assignment.replicas))], adding [\(Self.list(assignment.addingReplicas))], removing [\(Self.list(assignment.removingReplicas))]")
            push(.markTopicsIneligibleForDeletion([partition.topic], reason: "topic reassignment in progress"),
                 .updateReassignmentAssignment(partition, assignment), .continueReassignment(partition))
        }
    }

    /// Phase U: the topic znode first (read, so that the other partitions and a topic id are kept), then memory.
    mutating func updateReassignmentAssignment(_ partition: TopicPartition, _ assignment: PartitionReplicas) {
        guard context.assignment(partition) != assignment else {
            context.partitionsBeingReassigned.insert(partition)
            return
        }
        ask(.topicAssignments([partition.topic]), then: .reassignmentTopicRead(partition, assignment))
    }

    mutating func reassignmentTopicRead(
        _ partition: TopicPartition, _ assignment: PartitionReplicas, _ reads: [(String, Result<TopicZNode?, ZkDataError>)]
    ) {
        guard case .success(var node?)? = reads.first(where: { $0.0 == partition.topic })?.1, node.partitions[partition.partition] != nil
        else {
            // Not marked as being reassigned: the continuation step that follows does nothing.
            log(.error, "Failed to reassign partition \(partition): its topic znode is gone or cannot be read")
            return
        }
        node.partitions[partition.partition] = assignment
        ask(.setTopicAssignment(node), then: .reassignmentAssignmentWritten(partition, assignment))
    }

    mutating func reassignmentAssignmentWritten(_ partition: TopicPartition, _ assignment: PartitionReplicas) {
        let previous = context.assignment(partition) ?? assignment
        context.setAssignment(partition, assignment)
        context.partitionsBeingReassigned.insert(partition)
        // Replicas a superseded reassignment was adding that this one does not want.
        let unneeded = previous.replicas.filter { !assignment.replicas.contains($0) }
        if !unneeded.isEmpty { push(.removeReassignedReplicas(partition, unneeded)) }
    }

    /// Phase A or B, from the partition's current ISR in ZooKeeper.
    mutating func continueReassignment(_ partition: TopicPartition) {
        guard let assignment = context.assignment(partition), context.partitionsBeingReassigned.contains(partition) else { return }
        guard assignment.isBeingReassigned else {
            push(.completeReassignment(partition))
            return
        }
        ask(.partitionStates([partition]), then: .reassignmentIsrRead(partition))
    }

    mutating func reassignmentIsrRead(_ partition: TopicPartition, _ reads: [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)]) {
        updateLeaderAndIsrCache(reads)
        guard let assignment = context.assignment(partition) else { return }
        if isReassignmentComplete(partition, assignment) {
            push(.completeReassignment(partition))
            return
        }
        // A1: a new leader epoch with the full assignment to every replica; A2: the new replicas start.
        log(.info,
            "Partition \(partition) being reassigned: waiting for [\(Self.list(assignment.targetReplicas.filter { !(context.leadership[partition]?.leaderAndIsr.isr.contains($0) ?? false) }))] to join the ISR")
        // Replicas already started (a resumed reassignment) got the full assignment with the new epoch.
        let starting = assignment.addingReplicas.map { PartitionAndReplica(partition: partition, replica: $0) }
            .filter { context.replicaState($0) == .nonExistent }
        push(.electLeaders(LeaderElection(partitions: [partition], strategy: .leaderEpochBump)), .sendRequests,
             .replicaStateChange(starting, to: .new))
    }

    func isReassignmentComplete(_ partition: TopicPartition, _ assignment: PartitionReplicas) -> Bool {
        guard assignment.isBeingReassigned else { return true }
        guard let isr = context.leadership[partition]?.leaderAndIsr.isr else { return false }
        return Set(assignment.targetReplicas).isSubset(of: isr)
    }

    /// Leaders' ISR changes arrived for these partitions (states already re-read): reassignments whose targets are
    /// all in sync complete (Kafka's `PartitionReassignmentIsrChange`).
    mutating func checkReassignmentsComplete(_ partitions: [TopicPartition]) {
        for partition in partitions where context.partitionsBeingReassigned.contains(partition) {
            guard let assignment = context.assignment(partition), isReassignmentComplete(partition, assignment) else { continue }
            log(.info, "Target replicas [\(Self.list(assignment.targetReplicas))] have all caught up with the leader for reassigning partition \(partition)")
            push(.completeReassignment(partition))
        }
    }

    /// Phase B.
    mutating func completeReassignment(_ partition: TopicPartition) {
        guard let assignment = context.assignment(partition) else { return }
        let target = assignment.targetReplicas
        let adding = assignment.addingReplicas
        let removing = assignment.removingReplicas
        // B1, B2: the added replicas are online; the assignment is the target.
        push(.replicaStateChange(adding.map { PartitionAndReplica(partition: partition, replica: $0) }, to: .online))
        context.setAssignment(partition, PartitionReplicas(target))
        // B3: leadership into the target (or just a new epoch, so that the leader forgets the removed replicas).
        let leader = context.leadership[partition]?.leaderAndIsr.leader ?? LeaderAndIsr.noLeader
        let strategy: LeaderElection.Strategy =
            target.contains(leader) && context.isReplicaOnline(leader, partition) ? .leaderEpochBump : .reassignment
        push(.electLeaders(LeaderElection(partitions: [partition], strategy: strategy)), .sendRequests)
        // B4, B5: the removed replicas leave the ISR and are deleted.
        if !removing.isEmpty { push(.removeReassignedReplicas(partition, removing)) }
        // B6, B7, B8.
        push(.finishReassignment(partition))
    }

    /// Kafka's `stopRemovedReplicasOfReassignedPartition`: Offline (out of the ISR, StopReplica), then deleted.
    mutating func removeReassignedReplicas(_ partition: TopicPartition, _ brokers: [Int32]) {
        let replicas = brokers.map { PartitionAndReplica(partition: partition, replica: $0) }
        push(.replicaStateChange(replicas, to: .offline), .replicaStateChange(replicas, to: .deletionStarted),
             .replicaStateChange(replicas, to: .deletionSuccessful), .replicaStateChange(replicas, to: .nonExistent))
    }

    /// B6: the final assignment in ZooKeeper.
    mutating func finishReassignment(_ partition: TopicPartition) {
        ask(.topicAssignments([partition.topic]), then: .reassignmentFinalTopicRead(partition))
    }

    mutating func reassignmentFinalTopicRead(_ partition: TopicPartition, _ reads: [(String, Result<TopicZNode?, ZkDataError>)]) {
        guard case .success(var node?)? = reads.first(where: { $0.0 == partition.topic })?.1, let final = context.assignment(partition)
        else {
            log(.error, "Failed to write the final assignment of reassigned partition \(partition): its topic znode is gone or cannot be read")
            return
        }
        node.partitions[partition.partition] = final
        ask(.setTopicAssignment(node), then: .reassignmentFinished(partition))
    }

    /// B7, B8: out of the reassignments, everyone told, deletion of the topic may go on.
    mutating func reassignmentFinished(_ partition: TopicPartition) {
        context.partitionsBeingReassigned.remove(partition)
        log(.info, "Completed reassignment of partition \(partition) to [\(Self.list(context.replicas(partition)))]")
        push(.removeZkReassignments([partition]), .updateMetadata(brokers: nil, partitions: [partition]),
             .resumeDeletion([partition.topic]))
    }

    /// A new controller resumes the reassignments its predecessor left in the topic znodes (Kafka's
    /// `initializePartitionReassignments`).
    mutating func resumeReassignments() {
        let ongoing = context.allPartitions.filter { context.assignment($0)?.isBeingReassigned == true && !context.isTopicQueuedForDeletion($0.topic) }
        guard !ongoing.isEmpty else { return }
        log(.info, "Resuming the reassignment of \(Self.list(ongoing))")
        push(.startReassignments(ongoing.map { ($0, context.assignment($0)!) }))
    }
}
