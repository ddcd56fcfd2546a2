import Coordination
import KafkaProtocol
import Storage

extension ReplicaManager {
    /// Applies a LeaderAndIsr request (Kafka's `becomeLeaderOrFollower`): creates missing logs, and for each partition
    /// with a new leader epoch makes this broker its leader or a follower fetching from `liveLeaders` (the leaders'
    /// inter-broker endpoints the request carries). A request from an older controller epoch changes nothing; a
    /// partition state with an older leader epoch is refused with STALE_CONTROLLER_EPOCH, as Kafka does.
    func becomeLeaderOrFollower(
        controllerId: Int32, controllerEpoch: Int32, states: [TopicPartition: PartitionState],
        liveLeaders: [Int32: BrokerEndPoint] = [:]
    ) async -> Result<[TopicPartition: ErrorCode], ErrorCode> {
        guard acceptControllerEpoch(controllerEpoch) else {
            logger.warning("Ignoring LeaderAndIsr from controller \(controllerId) with stale epoch \(controllerEpoch)")
            return .failure(.staleControllerEpoch)
        }
        defer { state.withLock { $0.receivedLeaderAndIsr = true } }
        var results: [TopicPartition: ErrorCode] = [:]
        var newFollowers: [(Partition, PartitionState)] = []
        var epochBumps: [TopicPartition: Int32] = [:]
        // One read of each topic's overrides per request, not one per partition (a restart creates thousands).
        var topicOverrides: [String: [String: String]] = [:]
        for (topicPartition, leaderState) in states.sorted(by: { $0.key < $1.key }) {
            guard leaderState.replicas.contains(localBrokerId) else {
                results[topicPartition] = .unknownTopicOrPartition
                continue
            }
            do {
                let (partition, created) = try await getOrCreatePartition(topicPartition, leaderState: leaderState) { topic in
                    if let known = topicOverrides[topic] { return known }
                    let read = try await topicConfig(topic)
                    topicOverrides[topic] = read
                    // Throttles set while this broker was down hold from its first fetch, as after a change.
                    for quota in [leaderQuota, followerQuota] {
                        quota.updateThrottledReplicas(topic: topic, overrides: read, brokerId: localBrokerId)
                    }
                    return read
                }
                let leads = leaderState.leader == localBrokerId
                if leads, !created, leaderState.leaderEpoch > partition.leaderEpoch {
                    // No follower append may land once it leads.
                    fetcherManager.removeFetchers([topicPartition])
                }
                let previous = created ? nil : partition.leaderState
                let change = created ? .newLeaderEpoch : partition.makeLeaderOrFollower(leaderState, nowMs: clock())
                if leads, change == .newLeaderEpoch {
                    // Followers asking where their last epoch ends must get this log's end, before any append.
                    partition.assignLeaderEpochStartOffset(leaderState.leaderEpoch)
                }
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
                    if !leads {
                        if let previous, Self.isEpochBumpOnly(from: previous, to: leaderState),
                            fetcherManager.updateLeaderEpoch(topicPartition, to: leaderState.leaderEpoch)
                        {
                            epochBumps[topicPartition] = leaderState.leaderEpoch
                        } else {
                            newFollowers.append((partition, leaderState))
                        }
                    }
                }
                activity.notify(topicPartition)
            } catch let error as StorageError {
                logger.error("Creating the log of \(topicPartition) failed: \(error)")
                results[topicPartition] = error.errorCode
            } catch let error as ConfigError {
                logger.error("Not creating the replica of \(topicPartition): its topic config is invalid: \(error)")
                results[topicPartition] = .invalidConfig
            } catch {
                logger.error("Creating the replica of \(topicPartition) failed: \(error)")
                results[topicPartition] = .unknownServerError
            }
        }
        // Once for the whole request: a follower's fetch parked here answers at once with what changed (e.g.
        // NOT_LEADER_OR_FOLLOWER).
        if !states.isEmpty { followerActivity.notifyAll() }
        if !epochBumps.isEmpty {
            logger.info(
                "Leader epoch moved with the same leader for \(epochBumps.keys.sorted().map(\.description).joined(separator: ", ")): fetching on, nothing to truncate")
        }
        makeFollowers(newFollowers, liveLeaders: liveLeaders)
        fetcherManager.shutdownIdleFetchers()
        return .success(results)
    }

    /// Kafka's `makeFollower` rule: the same leader, one epoch later (the controller changed only the ISR) means the
    /// leader's log has not been truncated meanwhile, so the follower keeps fetching where it is. Any other change
    /// (a new leader, or epochs missed) goes through truncation by leader epoch first.
    static func isEpochBumpOnly(from previous: PartitionState, to next: PartitionState) -> Bool {
        previous.leader == next.leader && previous.leader >= 0 && next.leaderEpoch == previous.leaderEpoch &+ 1
    }

    /// Kafka's `makeFollowers`: stop fetching from the old leader, then fetch from the new one, starting in the
    /// truncating state: the fetcher first asks the leader where this replica's latest leader epoch ends
    /// (OffsetForLeaderEpoch, KIP-101/279) and truncates only what the leader does not have. Records past the high
    /// watermark that the new leader also holds are kept, so a second failure cannot lose an acknowledged record
    /// this replica held; nothing is ever truncated to the high watermark.
    private func makeFollowers(_ partitions: [(Partition, PartitionState)], liveLeaders: [Int32: BrokerEndPoint]) {
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
        _ = loadedHighWatermarkCheckpoints()
        for topicPartition in partitions {
            state.withLock { state in
                let stopped = state.partitions.removeValue(forKey: topicPartition)
                // The log stays on disk (unless deleted below): its high watermark stays in the checkpoint.
                if delete {
                    state.highWatermarkCheckpoints?[topicPartition] = nil
                } else if let stopped {
                    state.highWatermarkCheckpoints?[topicPartition] = stopped.highWatermark
                }
            }
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
        if !partitions.isEmpty { followerActivity.notifyAll() }
        // Kafka's removeMetrics: a topic this broker no longer hosts any partition of stops being reported.
        let hosted = state.withLock { Set($0.partitions.keys.map(\.topic)) }
        for topic in Set(partitions.map(\.topic)) where !hosted.contains(topic) {
            metrics.topics.removeTopic(topic)
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
        _ topicPartition: TopicPartition, leaderState: PartitionState,
        overrides topicOverrides: (String) async throws -> [String: String]
    ) async throws -> (Partition, created: Bool) {
        if let existing = partition(topicPartition) { return (existing, false) }
        let overrides = try await topicOverrides(topicPartition.topic)
        let config = try defaultLogConfig.applying(topicOverrides: overrides)
        let log: Log
        if let existing = logManager.log(for: topicPartition) {
            existing.updateConfig(config)
            log = existing
        } else {
            // Creating a log makes a directory and three files: blocking file I/O, for the I/O threads. A failure is
            // a StorageError (KAFKA_STORAGE_ERROR), which makes the controller take the replica offline, as Kafka's
            // `KafkaStorageException` does.
            log = try await onIOThread { [logManager] in
                Result { try logManager.getOrCreateLog(topicPartition, config: config) }
            }.get()
        }
        let checkpointed = loadedHighWatermarkCheckpoints()[topicPartition]
        let created = Partition(
            topicPartition: topicPartition, localBrokerId: localBrokerId, log: log, leaderState: leaderState,
            highWatermark: checkpointed ?? 0, minInsyncReplicas: minInsyncReplicas(overrides), nowMs: clock())
        return state.withLock { state in
            if let raced = state.partitions[topicPartition] { return (raced, false) }
            state.partitions[topicPartition] = created
            return (created, true)
        }
    }

    /// The checkpointed high watermarks of logs that are not replicas here, read from disk the first time.
    func loadedHighWatermarkCheckpoints() -> [TopicPartition: Int64] {
        if let loaded = state.withLock({ $0.highWatermarkCheckpoints }) { return loaded }
        let read: [TopicPartition: Int64]
        do {
            read = try logManager.highWatermarkCheckpoints()
        } catch {
            logger.error("Reading the high watermark checkpoint failed (\(error)); replicas start from high watermark 0")
            read = [:]
        }
        return state.withLock { state in
            if let raced = state.highWatermarkCheckpoints { return raced }
            state.highWatermarkCheckpoints = read
            return read
        }
    }
}
