import Logging
import ZooKeeper

/// Claiming a group's coordinator znode, the fence of all later writes for the group.
extension GroupOffsetStore {
    static func claimCoordinator(group: String, brokerId: Int32, zk: KafkaZkClient, logger: Logger) async throws -> GroupFence {
        for _ in 0..<claimAttemptsMax {
            do {
                if let fence = try await claimOnce(group: group, brokerId: brokerId, zk: zk, logger: logger) {
                    logger.info("Claimed group \(group) as its coordinator: \(fence)")
                    return fence
                }
            } catch let error as ZooKeeperError where error.isRetryable {
                try await zk.zooKeeper.waitUntilConnected()  // throws once the session has ended
            }
        }
        throw GroupStoreError.contended(group: group, attempts: claimAttemptsMax)
    }

    /// One read and one conditional write; nil when another broker wrote the znode in between.
    private static func claimOnce(group: String, brokerId: Int32, zk: KafkaZkClient, logger: Logger) async throws -> GroupFence? {
        let path = ZkPaths.consumerCoordinator(group: group)
        let current = try await currentCoordinator(path: path, zk: zk, logger: logger)
        let (epoch, overflow) = (current?.epoch ?? GroupCoordinatorZNode.initialEpoch).addingReportingOverflow(1)
        guard !overflow else { throw GroupStoreError.corrupt(path: path, reason: "coordinator_epoch cannot grow past Int32.max") }
        let written = GroupCoordinatorZNode(brokerId: brokerId, coordinatorEpoch: epoch).encoded()
        func fence(_ zkVersion: Int32) -> GroupFence {
            GroupFence(group: group, brokerId: brokerId, coordinatorEpoch: epoch, zkVersion: zkVersion)
        }
        do {
            if let current {
                return fence(try await zk.zooKeeper.setData(path, data: written, version: current.zkVersion).version)
            }
            try await zk.zooKeeper.ensurePath(ZkPaths.consumerGroup(group))
            try await zk.zooKeeper.create(path, data: written)
            return fence(0)
        } catch ZooKeeperError.badVersion, ZooKeeperError.nodeExists, ZooKeeperError.noNode {
            return nil
        } catch let error as ZooKeeperError where error.isRetryable {
            // The outcome is unknown: the claim is ours if the znode holds exactly what we wrote (its timestamp and
            // broker id make it ours alone).
            try await zk.zooKeeper.waitUntilConnected()
            guard let (data, stat) = try await dataIfExists(path, zk: zk), data == written else { return nil }
            return fence(stat.version)
        }
    }

    /// The coordinator epoch and zkVersion stored, nil when the znode is absent. A malformed znode can still be
    /// claimed, since the fence is its zkVersion: every claim adds one to both, from epoch 1 at version 0, so
    /// version + 1 stands in for the epoch that cannot be read.
    private static func currentCoordinator(path: String, zk: KafkaZkClient, logger: Logger) async throws -> (epoch: Int32, zkVersion: Int32)? {
        guard let (data, stat) = try await dataIfExists(path, zk: zk) else { return nil }
        do {
            return (try GroupCoordinatorZNode.decode(data, path: path).coordinatorEpoch, stat.version)
        } catch {
            let epoch = Int32(clamping: max(Int64(stat.version) + 1, 0))
            logger.error("\(error); claiming over it as if coordinator_epoch was \(epoch)")
            return (epoch, stat.version)
        }
    }

    /// Throws `fenced` unless the group's coordinator znode is still at the fence's zkVersion.
    static func verify(_ fence: GroupFence, zk: KafkaZkClient) async throws {
        guard try await zk.zooKeeper.exists(ZkPaths.consumerCoordinator(group: fence.group))?.version == fence.zkVersion else {
            throw GroupStoreError.fenced(group: fence.group, zkVersion: fence.zkVersion)
        }
    }

    static func dataIfExists(_ path: String, zk: KafkaZkClient) async throws -> (data: [UInt8], stat: ZNodeStat)? {
        do {
            return try await zk.zooKeeper.getData(path)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }
}
