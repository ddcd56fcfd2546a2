import KafkaProtocol
import Storage

extension ReplicaManager {
    /// Applies a LeaderAndIsr request (Kafka's `becomeLeaderOrFollower`): creates missing logs, and for each partition
    /// with a new leader epoch makes this broker its leader or a follower fetching from `liveLeaders` (the leaders'
    /// inter-broker endpoints the request carries). A request from an older controller epoch changes nothing; a
    /// partition state with an older leader epoch is refused with STALE_CONTROLLER_EPOCH, as Kafka does.
    func becomeLeaderOrFollower(
        controllerId: Int32, controllerEpoch: Int32, states: [TopicPartition: PartitionLeaderState],
        liveLeaders: [Int32: BrokerEndPoint] = [:]
    ) async -> Result<[TopicPartition: ErrorCode], ErrorCode> {
        guard acceptControllerEpoch(controllerEpoch) else {
            logger.warning("Ignoring LeaderAndIsr from controller \(controllerId) with stale epoch \(controllerEpoch)")
            return .failure(.staleControllerEpoch)
        }
        var results: [TopicPartition: ErrorCode] = [:]
        var newFollowers: [(Partition, PartitionLeaderState)] = []
        for (topicPartition, leaderState) in states.sorted(by: { $0.key < $1.key }) {
            guard leaderState.replicas.contains(localBrokerId) else {
                results[topicPartition] = .unknownTopicOrPartition
                continue
            }
            do {
                let (partition, created) = try await getOrCreatePartition(topicPartition, leaderState: leaderState)
                let leads = leaderState.leader == localBrokerId
                if leads, !created, leaderState.leaderEpoch > partition.leaderEpoch {
                    // No follower append may land once it leads.
                    fetcherManager.removeFetchers([topicPartition])
                }
                let change = created ? .newLeaderEpoch : partition.makeLeaderOrFollower(leaderState, nowMs: clock())
                switch change {
                case .stale:
                    results[topicPartition] = .staleControllerEpoch
                case .sameLeaderEpoch:
                    results[topicPartition] = .noError
                    if !leads, !fetcherManager.isFetching(topicPartition) { newFollowers.append((partition, leaderState)) }
                case .newLeaderEpoch:
                    results[topicPartition] = .noError
                    let role = leads ? "leader" : "follower"
                    logger.info(
                        "Partition \(topicPartition) is now \(role) with leader epoch \(leaderState.leaderEpoch), leader \(leaderState.leader), ISR \(leaderState.isr), high watermark \(partition.highWatermark)")
                    if !leads { newFollowers.append((partition, leaderState)) }
                }
                activity.notify(topicPartition)
            } catch {
                logger.error("Creating the log of \(topicPartition) failed: \(error)")
                results[topicPartition] = (error as? StorageError)?.errorCode ?? .kafkaStorageError
            }
        }
        makeFollowers(newFollowers, liveLeaders: liveLeaders)
        fetcherManager.shutdownIdleFetchers()
        return .success(results)
    }

    /// Kafka's `makeFollowers`: stop fetching from the old leader, truncate to the high watermark, and fetch from the
    /// new leader from there.
    ///
    /// Truncating to the high watermark is the pre-KIP-101 behaviour (Kafka before 0.11). Kafka 2.8 instead asks the
    /// leader for the end offset of its last common leader epoch (OffsetsForLeaderEpoch) and truncates there, which
    /// keeps records past the high watermark that the new leader also has, and avoids the known cases where
    /// high-watermark truncation loses or diverges acknowledged records across quick successive leader changes.
    private func makeFollowers(_ partitions: [(Partition, PartitionLeaderState)], liveLeaders: [Int32: BrokerEndPoint]) {
        guard !partitions.isEmpty else { return }
        fetcherManager.removeFetchers(partitions.map(\.0.topicPartition))
        var initial: [InitialFetchState] = []
        for (partition, leaderState) in partitions {
            let topicPartition = partition.topicPartition
            // As Kafka: without a reachable leader the replica keeps its log as it is (no truncation) and waits.
            guard let leader = leaderEndPoint(leaderState.leader, liveLeaders: liveLeaders) else {
                if leaderState.leader < 0 {
                    logger.info("Partition \(topicPartition) has no leader; not fetching it until it has one")
                } else {
                    logger.warning("Leader \(leaderState.leader) of \(topicPartition) is not alive; not fetching it until it is")
                }
                continue
            }
            let highWatermark = partition.highWatermark
            do {
                if partition.log.logEndOffset > highWatermark {
                    logger.info(
                        "Truncating \(topicPartition) from log end \(partition.log.logEndOffset) to its high watermark \(highWatermark) before following broker \(leaderState.leader)")
                    try partition.truncate(to: highWatermark)
                }
            } catch {
                logger.error("Truncating \(topicPartition) to \(highWatermark) failed, not fetching it: \(error)")
                continue
            }
            initial.append(InitialFetchState(
                partition: partition, leader: leader, leaderEpoch: leaderState.leaderEpoch,
                fetchOffset: partition.log.logEndOffset))
        }
        fetcherManager.addFetchers(initial)
    }

    private func leaderEndPoint(_ id: Int32, liveLeaders: [Int32: BrokerEndPoint]) -> BrokerEndPoint? {
        if id < 0 { return nil }
        if let live = liveLeaders[id] { return live }
        guard let endpoint = metadataCache.aliveBroker(id)?.endpoints[configuration.interBrokerListenerName] else { return nil }
        return BrokerEndPoint(id: id, host: endpoint.host, port: Int(endpoint.port))
    }

    /// Applies a StopReplica request: the partitions leave this broker, and with `delete` their logs go too.
    func stopReplicas(
        controllerId: Int32, controllerEpoch: Int32, partitions: [TopicPartition], delete: Bool
    ) -> Result<[TopicPartition: ErrorCode], ErrorCode> {
        guard acceptControllerEpoch(controllerEpoch) else { return .failure(.staleControllerEpoch) }
        var results: [TopicPartition: ErrorCode] = [:]
        fetcherManager.removeFetchers(partitions)
        fetcherManager.shutdownIdleFetchers()
        for topicPartition in partitions {
            state.withLock { _ = $0.partitions.removeValue(forKey: topicPartition) }
            activity.notify(topicPartition)
            if delete {
                do {
                    try logManager.deleteLog(topicPartition)
                    results[topicPartition] = .noError
                } catch {
                    logger.error("Deleting the log of \(topicPartition) failed: \(error)")
                    results[topicPartition] = .kafkaStorageError
                }
            } else {
                results[topicPartition] = .noError
            }
        }
        if !partitions.isEmpty {
            logger.info("Stopped replicas \(partitions.map(\.description).joined(separator: ", "))\(delete ? " and deleted their logs" : "")")
        }
        return .success(results)
    }

    /// Records `epoch` when it is at least the highest seen; false for a stale controller.
    func acceptControllerEpoch(_ epoch: Int32) -> Bool {
        state.withLock { state in
            guard epoch >= state.controllerEpoch else { return false }
            state.controllerEpoch = epoch
            return true
        }
    }

    /// The partition, or a new one already in `leaderState` (true).
    private func getOrCreatePartition(
        _ topicPartition: TopicPartition, leaderState: PartitionLeaderState
    ) async throws -> (Partition, created: Bool) {
        if let existing = partition(topicPartition) { return (existing, false) }
        let overrides = await topicConfig(topicPartition.topic)
        let config = defaultLogConfig.applying(topicOverrides: overrides)
        let log: Log
        if let existing = logManager.log(for: topicPartition) {
            existing.updateConfig(config)
            log = existing
        } else {
            log = try logManager.getOrCreateLog(topicPartition, config: config)
        }
        let checkpointed = highWatermarkCheckpoint(topicPartition)
        let minInsync = overrides["min.insync.replicas"].flatMap { Int($0.filter { !$0.isWhitespace }) }
        let created = Partition(
            topicPartition: topicPartition, localBrokerId: localBrokerId, log: log, leaderState: leaderState,
            highWatermark: checkpointed ?? 0, minInsyncReplicas: max(1, minInsync ?? configuration.minInsyncReplicas),
            nowMs: clock())
        return state.withLock { state in
            if let raced = state.partitions[topicPartition] { return (raced, false) }
            state.partitions[topicPartition] = created
            return (created, true)
        }
    }

    /// The high watermark saved at the last checkpoint (read once from disk).
    private func highWatermarkCheckpoint(_ topicPartition: TopicPartition) -> Int64? {
        let loaded: [TopicPartition: Int64] = state.withLock { $0.highWatermarkCheckpoints } ?? {
            let read = (try? logManager.highWatermarkCheckpoints()) ?? [:]
            state.withLock { $0.highWatermarkCheckpoints = read }
            return read
        }()
        return loaded[topicPartition]
    }
}
