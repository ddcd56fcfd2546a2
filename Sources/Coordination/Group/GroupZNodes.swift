import KafkaProtocol
import ZooKeeper

/// One of a group's two partition trees (`offsets`, `offsets_metadata`) as this broker last read or wrote it:
/// topic -> names of its partition znodes, nil when the tree's root znode is absent.
///
/// A multi-op must say `create` for a new znode and `setData` for an existing one, and cannot look first: this is
/// the knowledge that decides. It can be stale (the controller deletes a deleted topic's offsets, another broker
/// coordinated the group before); a step then fails with nodeExists, noNode or notEmpty, nothing is applied, and
/// `GroupOffsetStore` reads the tree again and retries.
struct PartitionTree: Sendable, Hashable {
    var topics: [String: Set<String>]?

    /// Writes `root/topic/partition`: setData (any version) when it exists, else create, after creating the root
    /// and topic znodes when they are absent (a multi-op applies its steps in order).
    mutating func upsert(root: String, topic: String, partition: String, data: [UInt8], into ops: inout [ZooKeeperOperation]) {
        var tree = topics ?? [:]
        if topics == nil { ops.append(.create(path: root, data: [], mode: .persistent)) }
        let topicPath = root + "/" + topic
        var partitions = tree[topic] ?? []
        if tree[topic] == nil { ops.append(.create(path: topicPath, data: [], mode: .persistent)) }
        let path = topicPath + "/" + partition
        if partitions.contains(partition) {
            ops.append(.setData(path: path, data: data, version: anyVersion))
        } else {
            ops.append(.create(path: path, data: data, mode: .persistent))
            partitions.insert(partition)
        }
        tree[topic] = partitions
        topics = tree
    }

    /// Deletes the named partition znodes that exist, then the znode of each named topic left without children.
    mutating func remove(root: String, partitions byTopic: [String: Set<String>], into ops: inout [ZooKeeperOperation]) {
        guard var tree = topics else { return }
        for (topic, names) in byTopic.sorted(by: { $0.key < $1.key }) {
            guard var existing = tree[topic] else { continue }
            let topicPath = root + "/" + topic
            for name in names.intersection(existing).sorted() {
                ops.append(.delete(path: topicPath + "/" + name, version: anyVersion))
                existing.remove(name)
            }
            if existing.isEmpty {
                ops.append(.delete(path: topicPath, version: anyVersion))
                tree[topic] = nil
            } else {
                tree[topic] = existing
            }
        }
        topics = tree
    }

    /// Deletes every znode of the tree, children before parents, root last.
    mutating func removeAll(root: String, into ops: inout [ZooKeeperOperation]) {
        guard let tree = topics else { return }
        for (topic, names) in tree.sorted(by: { $0.key < $1.key }) {
            let topicPath = root + "/" + topic
            for name in names.sorted() { ops.append(.delete(path: topicPath + "/" + name, version: anyVersion)) }
            ops.append(.delete(path: topicPath, version: anyVersion))
        }
        ops.append(.delete(path: root, version: anyVersion))
        topics = nil
    }

    var partitionCount: Int { topics?.values.reduce(0) { $0 + $1.count } ?? 0 }
}

/// A commit's znode contents, encoded once when the call arrives.
struct EncodedCommit: Sendable {
    var partition: TopicPartition
    var offset: [UInt8]
    var metadata: [UInt8]
}

/// What one `GroupOffsetStore` call changes under `/consumers/<g>`.
enum GroupChange: Sendable {
    case commit([EncodedCommit])
    case deleteOffsets([TopicPartition])
    /// Both partition trees and the open transactions' offsets, roots included; never `/consumers/<g>` or its
    /// coordinator znode.
    case deleteGroup
    /// Writes a producer's `txn_offsets` znode whole (created when absent).
    case writeTransaction(producerId: Int64, data: [UInt8])
    /// A transaction's outcome: `commits` become committed offsets and the producer's `txn_offsets` znode goes,
    /// in the same multi-op (an abort commits nothing).
    case completeTransaction(producerId: Int64, commits: [EncodedCommit])
}

/// Both partition trees of one group, and the steps each kind of change takes on them.
struct GroupZNodes: Sendable, Hashable {
    var offsets = PartitionTree()
    var metadata = PartitionTree()
    var transactions = TransactionsTree()

    /// Nothing under the group but (perhaps) its coordinator znode: the worst case a commit is sized against.
    static let absent = GroupZNodes()

    /// Appends the steps of `change` to `ops` and updates this knowledge as if they were applied.
    mutating func plan(_ change: GroupChange, group: String, into ops: inout [ZooKeeperOperation]) {
        let offsetsRoot = ZkPaths.consumerOffsetsRoot(group: group)
        let metadataRoot = ZkPaths.consumerOffsetsMetadataRoot(group: group)
        switch change {
        case .commit(let entries):
            for entry in entries {
                let topic = entry.partition.topic
                let name = String(entry.partition.partition)
                offsets.upsert(root: offsetsRoot, topic: topic, partition: name, data: entry.offset, into: &ops)
                metadata.upsert(root: metadataRoot, topic: topic, partition: name, data: entry.metadata, into: &ops)
            }
        case .deleteOffsets(let partitions):
            let byTopic = Dictionary(grouping: partitions, by: \.topic).mapValues { Set($0.map { String($0.partition) }) }
            offsets.remove(root: offsetsRoot, partitions: byTopic, into: &ops)
            metadata.remove(root: metadataRoot, partitions: byTopic, into: &ops)
        case .deleteGroup:
            offsets.removeAll(root: offsetsRoot, into: &ops)
            metadata.removeAll(root: metadataRoot, into: &ops)
            transactions.removeAll(group: group, into: &ops)
        case .writeTransaction(let producerId, let data):
            transactions.upsert(group: group, producerId: producerId, data: data, into: &ops)
        case .completeTransaction(let producerId, let commits):
            // Nothing at all when the znode is gone: the marker was applied before (markers are retried).
            guard transactions.contains(producerId) else { return }
            plan(.commit(commits), group: group, into: &ops)
            transactions.remove(group: group, producerId: producerId, into: &ops)
        }
    }
}

extension GroupZNodes {
    /// The partitions with an offset or a metadata znode (names that are not partition numbers left out).
    var partitions: [TopicPartition] {
        var result: Set<TopicPartition> = []
        for tree in [offsets, metadata] {
            for (topic, names) in tree.topics ?? [:] {
                for name in names {
                    if let partition = Self.partition(named: name) { result.insert(TopicPartition(topic, partition)) }
                }
            }
        }
        return result.sorted()
    }

    /// The partition a znode name stands for: canonical decimal only (`7`, not `07` or `+7`), as Gregor writes it.
    static func partition(named name: String) -> Int32? {
        guard let partition = Int32(name), partition >= 0, String(partition) == name else { return nil }
        return partition
    }
}
