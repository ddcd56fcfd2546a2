import KafkaProtocol
import ZooKeeper

/// Argument checks, sizing and error mapping shared by the calls of `GroupOffsetStore`.
extension GroupOffsetStore {
    /// A fence is for one group; passing another group's is a bug in the caller, not a state of the world.
    static func require(_ fence: GroupFence, of group: String) {
        precondition(fence.group == group, "the fence of group \(fence.group) presented for group \(group)")
    }

    static func validate(group: String) throws(GroupStoreError) {
        guard ZkPaths.isValidNodeName(group) else { throw .invalidName(group) }
    }

    static func validate(group: String, partitions: some Sequence<TopicPartition>) throws(GroupStoreError) {
        try validate(group: group)
        for partition in partitions {
            guard ZkPaths.isValidNodeName(partition.topic) else { throw .invalidName(partition.topic) }
            guard partition.partition >= 0 else { throw .invalidName(partition.description) }
        }
    }

    /// Operation count and estimated bytes of `change` alone (with its fence check) against `nodes`.
    func estimate(_ change: GroupChange, group: String, over nodes: GroupZNodes) -> (operations: Int, bytes: Int) {
        var scratch = nodes
        var steps: [ZooKeeperOperation] = []
        scratch.plan(change, group: group, into: &steps)
        let check = ZooKeeperOperation.check(path: ZkPaths.consumerCoordinator(group: group), version: 0)
        let chrootBytes = session().zooKeeper.connectString.chroot?.utf8.count ?? 0
        let bytes = ([check] + steps).reduce(0) { $0 + MultiOpLimits.estimatedBytes(of: $1, chrootBytes: chrootBytes) }
        return (steps.count + 1, bytes)
    }

    /// `partitions` cut into runs whose deletion fits one multi-op each, sized as if all their znodes existed:
    /// per partition its two znodes, per topic of the run its two topic znodes, plus the fence check.
    func deletionChunks(of partitions: [TopicPartition], group: String) -> [[TopicPartition]] {
        let chrootBytes = session().zooKeeper.connectString.chroot?.utf8.count ?? 0
        func deleteBytes(_ path: String) -> Int {
            MultiOpLimits.estimatedBytes(of: .delete(path: path, version: anyVersion), chrootBytes: chrootBytes)
        }
        let checkBytes = MultiOpLimits.estimatedBytes(
            of: .check(path: ZkPaths.consumerCoordinator(group: group), version: 0), chrootBytes: chrootBytes)
        var chunks: [[TopicPartition]] = []
        var chunk: [TopicPartition] = []
        var topics: Set<String> = []
        var size = (operations: 1, bytes: checkBytes)
        for partition in partitions {
            func added() -> (operations: Int, bytes: Int) {
                let (topic, number) = (partition.topic, partition.partition)
                var added = (operations: 2, bytes: deleteBytes(ZkPaths.consumerOffset(group: group, topic: topic, partition: number))
                    + deleteBytes(ZkPaths.consumerOffsetMetadata(group: group, topic: topic, partition: number)))
                if !topics.contains(topic) {
                    added.operations += 2
                    added.bytes += deleteBytes(ZkPaths.consumerOffsets(group: group, topic: topic))
                        + deleteBytes(ZkPaths.consumerOffsetsMetadata(group: group, topic: topic))
                }
                return added
            }
            var next = added()
            if !chunk.isEmpty && !limits.allows(operations: size.operations + next.operations, bytes: size.bytes + next.bytes) {
                chunks.append(chunk)
                chunk = []
                topics = []
                size = (1, checkBytes)
                next = added()
            }
            chunk.append(partition)
            topics.insert(partition.topic)
            size = (size.operations + next.operations, size.bytes + next.bytes)
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        return chunks
    }

    /// Runs `body`, turning whatever it throws into a `GroupStoreError`.
    nonisolated(nonsending) static func mapErrors<T>(_ body: () async throws -> T) async throws(GroupStoreError) -> T {
        do {
            return try await body()
        } catch {
            throw storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> GroupStoreError {
        switch error {
        case let error as GroupStoreError: error
        case let error as ZooKeeperError: .zooKeeper(error)
        case let error as ZooKeeperMultiError: .zooKeeper(error.error)
        default: .zooKeeper(.other(code: -1))
        }
    }
}
