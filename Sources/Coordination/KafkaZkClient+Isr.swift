import ZooKeeper

/// A partition leader's own ISR changes (zk-layout.md, "ISR change by a leader"): the conditional rewrite of the
/// state znode and the notification that tells the controller to propagate it.
extension KafkaZkClient {
    /// Rewrites `/brokers/topics/<t>/partitions/<p>/state` with `state` if the znode is still at
    /// `state.leaderAndIsr.zkVersion` (Kafka's `ReplicationUtils.updateLeaderAndIsr`). Returns the new zkVersion,
    /// or nil on a conflict: someone else (the controller) wrote the znode since, or it is gone.
    ///
    /// A version conflict whose stored data is exactly `state` is this leader's own write, applied before a
    /// connection loss hid the answer (Kafka's `checkLeaderAndIsrZkData`): that counts as done. Connection losses are
    /// ridden out on the same session; a session's end throws.
    public func updateLeaderAndIsr(topic: String, partition: Int32, _ state: LeaderIsrAndControllerEpoch) async throws -> Int32? {
        let path = ZkPaths.partitionState(topic: topic, partition: partition)
        while true {
            do {
                let stat = try await zooKeeper.setData(path, data: state.encoded(), version: state.leaderAndIsr.zkVersion)
                return stat.version
            } catch ZooKeeperError.badVersion {
                guard let stored = try await partitionState(topic: topic, partition: partition) else { return nil }
                var written = state
                written.leaderAndIsr.zkVersion = stored.leaderAndIsr.zkVersion
                return stored == written ? stored.leaderAndIsr.zkVersion : nil
            } catch ZooKeeperError.noNode {
                return nil
            } catch let error as ZooKeeperError where error.isRetryable {
                try await zooKeeper.waitUntilConnected()
            }
        }
    }

    /// Creates `/isr_change_notification/isr_change_<seq>` naming `partitions` (Kafka's
    /// `propagateIsrChanges`); the controller reads it, tells every broker, and deletes it.
    public func propagateIsrChanges(_ partitions: [(topic: String, partition: Int32)]) async throws {
        guard !partitions.isEmpty else { return }
        let path = ZkPaths.isrChangeNotification + "/" + IsrChangeNotification.sequencePrefix
        let data = IsrChangeNotification.encode(partitions)
        while true {
            do {
                try await zooKeeper.create(path, data: data, mode: .persistentSequential)
                return
            } catch ZooKeeperError.noNode {
                try await zooKeeper.ensurePath(ZkPaths.isrChangeNotification)
            } catch let error as ZooKeeperError where error.isRetryable {
                // A lost answer may leave a second notification behind: harmless, the controller reads both.
                try await zooKeeper.waitUntilConnected()
            }
        }
    }
}
