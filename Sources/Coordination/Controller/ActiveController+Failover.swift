import KafkaProtocol
/// Becoming the controller (Kafka's `onControllerFailover`): rebuild the context from ZooKeeper, tell every live
/// broker everything, and bring every partition online that can be.
extension ActiveController {
    func onControllerFailover() async throws {
        logger.info("Controller \(controllerId) active with epoch \(epoch) (epoch zkVersion \(context.epoch.zkVersion))")
        try await deleteIsrChangeNotifications(try await zk.children(ZkPaths.isrChangeNotification))
        try await initializeControllerContext()
        let (toDelete, ineligible) = try await fetchTopicDeletionsInProgress()
        initializeTopicDeletion(toDelete, ineligible: ineligible)

        // Brokers learn the live brokers and every partition before the LeaderAndIsr requests the state machines send:
        // this is how a restarted broker learns again which partitions it leads.
        sendUpdateMetadataRequest(brokers: context.liveBrokerIds, partitions: context.leadership.keys)
        try await replicaStateMachineStartup()
        try await partitionStateMachineStartup()
        logger.info("Ready to serve as the new controller with epoch \(epoch)")
        try await tryTopicDeletion()
    }

    private func initializeControllerContext() async throws {
        let brokers = try await zk.liveBrokersAndEpochs()
        for broker in brokers {
            context.liveBrokers[broker.broker.id] = broker
            channels.addBroker(broker)
        }
        logger.info("Initialized controller with live brokers: \(Self.list(context.liveBrokerIds.sorted()))")
        let topics = try await zk.allTopics()
        context.allTopics = Set(topics)
        for topic in topics {
            watchPartitionModifications(topic)
            let node: TopicZNode?
            do {
                node = try await zk.topicAssignment(topic)
            } catch let error as ZkDataError {
                logger.error("Ignoring topic \(topic): \(error)")  // one bad znode must not keep the cluster without a controller
                continue
            }
            for (partition, replicas) in node?.partitions ?? [:] { context.setAssignment(TopicPartition(topic, partition), replicas) }
        }
        try await updateLeaderAndIsrCache(context.allPartitions)
        logger.info("Initialized \(topics.count) topics with \(context.allPartitions.count) partitions")
    }

    /// Reads the state znodes of `partitions` into the context. A state znode that cannot be parsed is logged and
    /// skipped: the partition stays without a known leader, and every other partition is handled.
    func updateLeaderAndIsrCache(_ partitions: [TopicPartition]) async throws {
        for (partition, read) in try await zk.partitionStates(partitions) {
            switch read {
            case .success(let state?): context.leadership[partition] = state
            case .success(nil): break
            case .failure(let error): logger.error("Ignoring the state of partition \(partition): \(error)")
            }
        }
    }

    /// Topics queued for deletion, and those of them that cannot proceed now (a replica on a dead broker).
    private func fetchTopicDeletionsInProgress() async throws -> (Set<String>, Set<String>) {
        let toDelete = Set(try await zk.topicDeletions())
        let withOfflineReplicas = context.allTopics.filter { topic in
            context.replicas(ofTopic: topic).contains { !context.isReplicaOnline($0.replica) }
        }
        return (toDelete, withOfflineReplicas)
    }

    // MARK: ISR change notifications

    /// Leaders that changed an ISR leave `/isr_change_notification/isr_change_<seq>`: re-read those partitions, tell
    /// every broker, and delete the notifications (Kafka's `processIsrChangeNotification`).
    func processIsrChangeNotification() async throws {
        let names = try await zk.children(ZkPaths.isrChangeNotification)
        guard !names.isEmpty else { return }
        var partitions: Set<TopicPartition> = []
        for name in names {
            guard let data = try await zk.data(ZkPaths.isrChangeNotification + "/" + name) else { continue }
            do {
                partitions.formUnion(try IsrChangeNotification.decode(data).map { TopicPartition($0.topic, $0.partition) })
            } catch {
                logger.warning("Ignoring ISR change notification \(name): \(error)")
            }
        }
        let known = partitions.filter { context.assignment($0) != nil }.sorted()
        if !known.isEmpty {
            try await updateLeaderAndIsrCache(known)
            sendUpdateMetadataRequest(brokers: context.liveBrokerIds, partitions: known)
        }
        try await deleteIsrChangeNotifications(names)
    }

    private func deleteIsrChangeNotifications(_ names: [String]) async throws {
        for name in names { try await zk.deleteRecursively(ZkPaths.isrChangeNotification + "/" + name) }
    }
}
