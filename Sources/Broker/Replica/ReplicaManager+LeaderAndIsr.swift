import KafkaProtocol
import Storage

extension ReplicaManager {
    /// Applies a LeaderAndIsr request (Kafka's `becomeLeaderOrFollower`): creates missing logs and records the
    /// leadership of each partition. A request from an older controller epoch changes nothing.
    /// Followers hold their log but fetch nothing yet: replica fetchers come with replication.
    func becomeLeaderOrFollower(
        controllerId: Int32, controllerEpoch: Int32, states: [TopicPartition: PartitionLeaderState]
    ) async -> Result<[TopicPartition: ErrorCode], ErrorCode> {
        guard acceptControllerEpoch(controllerEpoch) else {
            logger.warning("Ignoring LeaderAndIsr from controller \(controllerId) with stale epoch \(controllerEpoch)")
            return .failure(.staleControllerEpoch)
        }
        var results: [TopicPartition: ErrorCode] = [:]
        for (topicPartition, leaderState) in states.sorted(by: { $0.key < $1.key }) {
            guard leaderState.replicas.contains(localBrokerId) else {
                results[topicPartition] = .unknownTopicOrPartition
                continue
            }
            do {
                let partition = try await getOrCreatePartition(topicPartition, leaderState: leaderState)
                if partition.update(leaderState) {
                    let role = leaderState.leader == localBrokerId ? "leader" : "follower"
                    logger.info(
                        "Partition \(topicPartition) is now \(role) with leader epoch \(leaderState.leaderEpoch), leader \(leaderState.leader), ISR \(leaderState.isr)")
                    results[topicPartition] = .noError
                } else {
                    results[topicPartition] = .staleControllerEpoch
                }
                activity.notify(topicPartition)
            } catch {
                logger.error("Creating the log of \(topicPartition) failed: \(error)")
                results[topicPartition] = (error as? StorageError)?.errorCode ?? .kafkaStorageError
            }
        }
        return .success(results)
    }

    /// Applies a StopReplica request: the partitions leave this broker, and with `delete` their logs go too.
    func stopReplicas(
        controllerId: Int32, controllerEpoch: Int32, partitions: [TopicPartition], delete: Bool
    ) -> Result<[TopicPartition: ErrorCode], ErrorCode> {
        guard acceptControllerEpoch(controllerEpoch) else { return .failure(.staleControllerEpoch) }
        var results: [TopicPartition: ErrorCode] = [:]
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

    private func getOrCreatePartition(_ topicPartition: TopicPartition, leaderState: PartitionLeaderState) async throws -> Partition {
        if let existing = partition(topicPartition) { return existing }
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
        let created = Partition(
            topicPartition: topicPartition, localBrokerId: localBrokerId, log: log, leaderState: leaderState,
            highWatermark: checkpointed ?? 0)
        return state.withLock { state in
            if let raced = state.partitions[topicPartition] { return raced }
            state.partitions[topicPartition] = created
            return created
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
