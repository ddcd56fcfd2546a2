/// Brokers joining, dying and re-registering (Kafka's `processBrokerChange`, `onBrokerStartup`, `onBrokerFailure`).
extension ActiveController {
    func processBrokerChange() async throws {
        let current = Dictionary(uniqueKeysWithValues: try await zk.liveBrokersAndEpochs().map { ($0.broker.id, $0) })
        let known = context.liveBrokerIds
        let currentIds = Set(current.keys)
        let added = currentIds.subtracting(known).sorted()
        let dead = known.subtracting(currentIds).sorted()
        // Registered again under a new session before the old registration was seen to vanish.
        let bounced = currentIds.intersection(known).filter { current[$0]!.epoch > context.liveBrokers[$0]!.epoch }.sorted()
        guard !added.isEmpty || !dead.isEmpty || !bounced.isEmpty else { return }
        logger.info(
            "Newly added brokers: \(Self.list(added)), deleted brokers: \(Self.list(dead)), bounced brokers: \(Self.list(bounced)), all live brokers: \(Self.list(currentIds.sorted()))")

        for id in bounced + dead { channels.removeBroker(id) }
        for id in added + bounced { channels.addBroker(current[id]!) }
        if !added.isEmpty {
            for id in added { context.liveBrokers[id] = current[id]! }
            try await onBrokerStartup(added)
        }
        if !bounced.isEmpty {
            for id in bounced { context.liveBrokers[id] = nil }
            try await onBrokerFailure(bounced)
            for id in bounced { context.liveBrokers[id] = current[id]! }
            try await onBrokerStartup(bounced)
        }
        if !dead.isEmpty {
            for id in dead { context.liveBrokers[id] = nil }
            try await onBrokerFailure(dead)
        }
    }

    /// Tells everyone about the newcomers and the newcomers everything, sends them LeaderAndIsr for their replicas,
    /// elects leaders for partitions they can now lead, and resumes deletions that waited for them.
    func onBrokerStartup(_ brokers: [Int32]) async throws {
        for id in brokers { logger.info("Broker \(id) joined the cluster") }
        let newcomers = Set(brokers)
        sendUpdateMetadataRequest(brokers: context.liveBrokerIds.subtracting(newcomers), partitions: [])
        sendUpdateMetadataRequest(brokers: brokers, partitions: context.partitionsWithLeaders)
        let replicasOnNewcomers = context.replicas(onBrokers: newcomers)
        try await handleReplicaStateChanges(replicasOnNewcomers, to: .online)
        try await triggerOnlinePartitionStateChange()
        let deletionTopics = Set(replicasOnNewcomers.map(\.topic).filter(context.isTopicQueuedForDeletion))
        if !deletionTopics.isEmpty {
            logger.info(
                "Some replicas for topics scheduled for deletion \(Self.list(deletionTopics.sorted())) are on the newly restarted brokers \(Self.list(brokers)). Signaling restart of topic deletion for these topics")
            try await resumeDeletion(forTopics: deletionTopics)
        }
    }

    func onBrokerFailure(_ brokers: [Int32]) async throws {
        for id in brokers { logger.warning("Broker \(id) left the cluster") }
        try await onReplicasBecomeOffline(context.replicas(onBrokers: Set(brokers)))
    }

    /// Kafka's `onReplicasBecomeOffline`: partitions that lost their leader go offline and get a new leader from
    /// the live ISR where there is one; the dead replicas leave the ISRs; deletions that needed them halt.
    func onReplicasBecomeOffline(_ replicas: [PartitionAndReplica]) async throws {
        let forDeletion = replicas.filter { context.isTopicQueuedForDeletion($0.topic) }
        let notForDeletion = replicas.filter { !context.isTopicQueuedForDeletion($0.topic) }
        let withOfflineLeader = context.partitionsWithOfflineLeader
        try await handlePartitionStateChanges(withOfflineLeader, to: .offline)
        try await triggerOnlinePartitionStateChange()
        try await handleReplicaStateChanges(notForDeletion, to: .offline)
        if !forDeletion.isEmpty { try await failReplicaDeletion(forDeletion) }
        // Without an election nobody has told the brokers that these brokers are gone.
        if withOfflineLeader.isEmpty { sendUpdateMetadataRequest(brokers: context.liveBrokerIds, partitions: []) }
    }
}
