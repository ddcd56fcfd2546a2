import KafkaProtocol
/// Brokers joining, dying and re-registering (Kafka's `processBrokerChange`, `onBrokerStartup`, `onBrokerFailure`).
extension ControllerStateMachine {
    mutating func processBrokerChange(_ brokers: [BrokerAndEpoch]) {
        let current = Dictionary(brokers.map { ($0.broker.id, $0) }, uniquingKeysWith: { first, _ in first })
        let known = context.liveBrokerIds
        let currentIds = Set(current.keys)
        let added = currentIds.subtracting(known).sorted()
        let dead = known.subtracting(currentIds).sorted()
        // Registered again under a new session before the old registration was seen to vanish.
        let bounced = currentIds.intersection(known).filter { id in
            guard let now = current[id], let before = context.liveBrokers[id] else { return false }
            return now.epoch > before.epoch
        }.sorted()
        guard !added.isEmpty || !dead.isEmpty || !bounced.isEmpty else { return }
        log(.info,
            "Newly added brokers: \(Self.list(added)), deleted brokers: \(Self.list(dead)), bounced brokers: \(Self.list(bounced)), all live brokers: \(Self.list(currentIds.sorted()))")

        for id in bounced + dead { emit(.disconnect(id)) }
        for id in added + bounced { if let broker = current[id] { emit(.connect(broker)) } }
        if !added.isEmpty { push(.brokersJoined(added.compactMap { current[$0] })) }
        if !bounced.isEmpty { push(.brokersLeft(bounced), .brokersJoined(bounced.compactMap { current[$0] })) }
        if !dead.isEmpty { push(.brokersLeft(dead)) }
    }

    /// Tells everyone about the newcomers and the newcomers everything, sends them LeaderAndIsr for their replicas,
    /// elects leaders for partitions they can now lead, and resumes deletions that waited for them.
    mutating func onBrokerStartup(_ brokers: [BrokerAndEpoch]) {
        for broker in brokers {
            context.liveBrokers[broker.broker.id] = broker
            context.replicasOnOfflineDirs[broker.broker.id] = nil  // a restart brings its log directories back
            context.shuttingDownBrokerIds.remove(broker.broker.id)
        }
        let ids = brokers.map(\.broker.id)
        for id in ids { log(.info, "Broker \(id) joined the cluster") }
        let newcomers = Set(ids)
        sendUpdateMetadataRequest(brokers: context.liveBrokerIds.subtracting(newcomers), partitions: [])
        sendUpdateMetadataRequest(brokers: ids, partitions: context.partitionsWithLeaders)
        let replicasOnNewcomers = context.replicas(onBrokers: newcomers)
        push(.replicaStateChange(replicasOnNewcomers, to: .online), .triggerOnlinePartitionStateChange)
        // Reassignments waiting for a replica on a newcomer go on (Kafka's `maybeResumeReassignments`).
        for partition in context.partitionsBeingReassigned.sorted()
        where context.assignment(partition)?.targetReplicas.contains(where: newcomers.contains) == true {
            push(.continueReassignment(partition))
        }
        let deletionTopics = Set(replicasOnNewcomers.map(\.topic).filter(context.isTopicQueuedForDeletion))
        if !deletionTopics.isEmpty {
            push(
                .log(.info,
                     "Some replicas for topics scheduled for deletion \(Self.list(deletionTopics.sorted())) are on the newly restarted brokers \(Self.list(ids)). Signaling restart of topic deletion for these topics"),
                .resumeDeletion(deletionTopics))
        }
    }

    mutating func onBrokerFailure(_ brokers: [Int32]) {
        for id in brokers {
            context.liveBrokers[id] = nil
            context.replicasOnOfflineDirs[id] = nil
            context.shuttingDownBrokerIds.remove(id)
            log(.warning, "Broker \(id) left the cluster")
        }
        push(.replicasBecomeOffline(context.replicas(onBrokers: Set(brokers))))
    }

    /// Kafka's `onReplicasBecomeOffline`: partitions that lost their leader go offline and get a new leader from
    /// the live ISR where there is one; the dead replicas leave the ISRs; deletions that needed them halt.
    mutating func onReplicasBecomeOffline(_ replicas: [PartitionAndReplica]) {
        let forDeletion = replicas.filter { context.isTopicQueuedForDeletion($0.topic) }
        let notForDeletion = replicas.filter { !context.isTopicQueuedForDeletion($0.topic) }
        let withOfflineLeader = context.partitionsWithOfflineLeader
        push(.partitionStateChange(withOfflineLeader, to: .offline), .triggerOnlinePartitionStateChange,
             .replicaStateChange(notForDeletion, to: .offline))
        if !forDeletion.isEmpty { push(.failReplicaDeletion(forDeletion)) }
        // Without an election nobody has told the brokers that these brokers are gone.
        if withOfflineLeader.isEmpty { push(.updateMetadata(brokers: nil, partitions: [])) }
    }

    /// A broker answered LeaderAndIsr (Kafka's `processLeaderAndIsrResponseReceived`): replicas it could not host
    /// (KAFKA_STORAGE_ERROR: a failed log directory, a full disk) go offline, so another replica leads; replicas it
    /// now hosts without error are online again.
    mutating func processLeaderAndIsrResponse(broker: Int32, brokerEpoch: Int64, errors: [TopicPartition: ErrorCode]) {
        guard let live = context.liveBrokers[broker], live.epoch == brokerEpoch else { return }  // an earlier session's
        let previous = context.replicasOnOfflineDirs[broker] ?? []
        var current = previous
        for (partition, error) in errors {
            if error == .kafkaStorageError {
                current.insert(partition)
            } else if error == .noError {
                current.remove(partition)
            }
        }
        context.replicasOnOfflineDirs[broker] = current.isEmpty ? nil : current
        let newlyOffline = current.subtracting(previous).sorted()
        guard !newlyOffline.isEmpty else { return }
        log(.info, "Mark replicas \(Self.list(newlyOffline)) on broker \(broker) as offline")
        push(.replicasBecomeOffline(newlyOffline.map { PartitionAndReplica(partition: $0, replica: broker) }))
    }
}
