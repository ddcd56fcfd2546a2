import KafkaProtocol
import Logging
import ZooKeeper

/// Reads of the offsets trees: a group's znode names (`scan`), its offsets (`readOffsets`), the groups with offsets.
extension GroupOffsetStore {
    /// Which znodes exist in the group's two trees, without their data.
    static func scan(group: String, zk: KafkaZkClient) async throws -> GroupZNodes {
        GroupZNodes(
            offsets: try await readTree(root: ZkPaths.consumerOffsetsRoot(group: group), zk: zk),
            metadata: try await readTree(root: ZkPaths.consumerOffsetsMetadataRoot(group: group), zk: zk),
            transactions: try await readTransactionsTree(group: group, zk: zk))
    }

    private static func readTransactionsTree(group: String, zk: KafkaZkClient) async throws -> TransactionsTree {
        do {
            return TransactionsTree(producers: Set(try await zk.zooKeeper.getChildren(ZkPaths.consumerTxnOffsetsRoot(group: group))))
        } catch ZooKeeperError.noNode {
            return TransactionsTree(producers: nil)
        }
    }

    private static func readTree(root: String, zk: KafkaZkClient) async throws -> PartitionTree {
        let topics: [String]
        do {
            topics = try await zk.zooKeeper.getChildren(root)
        } catch ZooKeeperError.noNode {
            return PartitionTree(topics: nil)
        }
        var tree: [String: Set<String>] = [:]
        for topic in topics {
            do {
                tree[topic] = Set(try await zk.zooKeeper.getChildren(ZooKeeperClient.join(root, topic)))
            } catch ZooKeeperError.noNode {
                continue  // deleted since the listing (the controller deleting a topic's offsets)
            }
        }
        return PartitionTree(topics: tree)
    }

    private enum ReadOutcome: Sendable {
        /// With the offset znode's mzxid.
        case offset(OffsetAndMetadata, zxid: Int64)
        /// Deleted between the listing and the read.
        case vanished
        /// Malformed, logged.
        case skipped
        case failed(GroupStoreError)
    }

    /// The group's committed offsets with their znodes' mzxids, and the znodes seen while reading them.
    static func readOffsets(group: String, zk: KafkaZkClient, logger: Logger) async throws
        -> (offsets: [TopicPartition: OffsetAndMetadata], zxids: [TopicPartition: Int64], nodes: GroupZNodes)
    {
        var nodes = try await scan(group: group, zk: zk)
        var partitions: [TopicPartition] = []
        for (topic, names) in nodes.offsets.topics ?? [:] {
            for name in names.sorted() {
                if let partition = GroupZNodes.partition(named: name) {
                    partitions.append(TopicPartition(topic, partition))
                } else {
                    logger.warning("Skipping \(ZkPaths.consumerOffsets(group: group, topic: topic))/\(name): not a partition number")
                }
            }
        }
        let outcomes = await concurrentMap(partitions, limit: readsInFlightMax) { partition in
            await readOffset(group: group, partition: partition, zk: zk, logger: logger)
        }
        var offsets: [TopicPartition: OffsetAndMetadata] = [:]
        var zxids: [TopicPartition: Int64] = [:]
        for (partition, outcome) in zip(partitions, outcomes) {
            switch outcome {
            case .offset(let value, let zxid):
                offsets[partition] = value
                zxids[partition] = zxid
            case .vanished: nodes.offsets.topics?[partition.topic]?.remove(String(partition.partition))
            case .skipped: continue
            case .failed(let error): throw error
            }
        }
        return (offsets, zxids, nodes)
    }

    private static func readOffset(group: String, partition: TopicPartition, zk: KafkaZkClient, logger: Logger) async -> ReadOutcome {
        let path = ZkPaths.consumerOffset(group: group, topic: partition.topic, partition: partition.partition)
        let metadataPath = ZkPaths.consumerOffsetMetadata(group: group, topic: partition.topic, partition: partition.partition)
        do {
            guard let (data, stat) = try await dataIfExists(path, zk: zk) else { return .vanished }
            let offset: Int64
            do {
                offset = try ConsumerOffsetZNode.decode(data, path: path)
            } catch {
                logger.warning("Skipping the committed offset of group \(group) for \(partition): \(error)")
                return .skipped
            }
            // Kafka's own offsets (and a lost metadata znode) have no metadata: the offset znode's mtime is the
            // closest thing to a commit time.
            let defaults = OffsetAndMetadata(offset: offset, commitTimestampMs: stat.mtimeMs)
            guard let (metadata, _) = try await dataIfExists(metadataPath, zk: zk) else { return .offset(defaults, zxid: stat.mzxid) }
            do {
                return .offset(try ConsumerOffsetMetadataZNode.decode(metadata, offset: offset, path: metadataPath), zxid: stat.mzxid)
            } catch {
                logger.warning("Group \(group), \(partition): \(error); using no leader epoch and empty metadata")
                return .offset(defaults, zxid: stat.mzxid)
            }
        } catch {
            return .failed(storeError(error))
        }
    }

    /// The children of `/consumers` with at least one partition znode under `offsets`, sorted.
    static func readGroupsWithOffsets(zk: KafkaZkClient) async throws -> [String] {
        let groups = try await zk.childrenOrEmpty(ZkPaths.consumers).sorted()
        let found = await concurrentMap(groups, limit: readsInFlightMax) { group -> Result<Bool, GroupStoreError> in
            do {
                return .success(try await zk.hasCommittedOffsets(group: group))
            } catch {
                return .failure(storeError(error))
            }
        }
        var result: [String] = []
        for (group, hasOffsets) in zip(groups, found) where try hasOffsets.get() { result.append(group) }
        return result
    }
}
