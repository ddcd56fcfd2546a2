import KafkaProtocol
import Logging
import ZooKeeper

/// Offsets committed inside transactions (TxnOffsetCommit) and their completion by the transaction's markers,
/// through the same fenced multi-ops as plain commits.
extension GroupOffsetStore {
    /// Every committed offset of the group and every open transaction's offsets, with the zxids that order them
    /// (`GroupOffsetsSnapshot`). Malformed znodes are skipped with a log line, as in `load`. Throws `fenced` when
    /// another broker claimed the group by the end of the reads.
    public func loadGroup(group: String, fence: GroupFence) async throws -> GroupOffsetsSnapshot {
        Self.require(fence, of: group)
        try Self.validate(group: group)
        let generation = known[group]?.generation
        let zk = session()
        let logger = self.logger
        let (snapshot, nodes) = try await Self.mapErrors {
            let read = try await Self.readOffsets(group: group, zk: zk, logger: logger)
            var nodes = read.nodes
            var snapshot = GroupOffsetsSnapshot(offsets: read.offsets, offsetZxids: read.zxids)
            for name in (nodes.transactions.producers ?? []).sorted() {
                let path = ZkPaths.consumerTxnOffsetsRoot(group: group) + "/" + name
                guard let producerId = Int64(name), producerId >= 0, String(producerId) == name else {
                    logger.warning("Skipping \(path): not a producer id")
                    continue
                }
                guard let (data, stat) = try await Self.dataIfExists(path, zk: zk) else {
                    nodes.transactions.producers?.remove(name)  // completed between the listing and the read
                    continue
                }
                do {
                    snapshot.pendingTransactions[producerId] = try TxnOffsetsZNode.decode(data, path: path)
                    snapshot.pendingTransactionZxids[producerId] = stat.mzxid
                } catch {
                    logger.error("Skipping the open transaction's offsets of group \(group), producer \(producerId): \(error)")
                }
            }
            try await Self.verify(fence, zk: zk)
            return (snapshot, nodes)
        }
        install(nodes, for: group, ifGeneration: generation)
        return snapshot
    }

    /// Writes the producer's `txn_offsets` znode with `pending`, whole: the caller merges a later TxnOffsetCommit
    /// into what the transaction committed before. Refused with `tooLarge` when the znode, or the multi-op that
    /// would later commit these offsets, would not fit one multi-op: a transaction whose commit marker could never
    /// be applied must not start.
    public func writeTransaction(group: String, fence: GroupFence, producerId: Int64, pending: PendingTransactionalOffsets) async throws {
        Self.require(fence, of: group)
        try Self.validate(group: group, partitions: pending.offsets.keys)
        precondition(producerId >= 0, "a transaction has a producer id")
        let data = TxnOffsetsZNode.encode(pending)
        var withTransaction = GroupZNodes.absent
        withTransaction.transactions.producers = [String(producerId)]
        for (change, nodes) in [
            (GroupChange.writeTransaction(producerId: producerId, data: data), GroupZNodes.absent),
            (.completeTransaction(producerId: producerId, commits: Self.encoded(pending.offsets)), withTransaction),
        ] {
            let (operations, bytes) = estimate(change, group: group, over: nodes)
            guard limits.allows(operations: operations, bytes: bytes) else {
                throw GroupStoreError.tooLarge(group: group, bytes: bytes, operations: operations)
            }
        }
        try await submit(.writeTransaction(producerId: producerId, data: data), fence: fence)
    }

    /// A transaction's outcome, in one fenced multi-op: `commits` (the offsets its commit marker makes the
    /// group's, empty for an abort or when newer plain commits won) are written as committed offsets and the
    /// producer's `txn_offsets` znode is deleted. Nothing happens when that znode is already gone (an earlier
    /// marker was applied; markers are retried).
    public func completeTransaction(
        group: String, fence: GroupFence, producerId: Int64, commits: [TopicPartition: OffsetAndMetadata]
    ) async throws {
        Self.require(fence, of: group)
        try Self.validate(group: group, partitions: commits.keys)
        try await submit(.completeTransaction(producerId: producerId, commits: Self.encoded(commits)), fence: fence)
    }

    /// Throws `fenced` unless the fence still holds: for answers that write nothing but must come from the
    /// group's current coordinator.
    public func verify(group: String, fence: GroupFence) async throws {
        Self.require(fence, of: group)
        let zk = session()
        try await Self.mapErrors { try await Self.verify(fence, zk: zk) }
    }

    /// Whether the group has at least one open transaction's offsets: such a group exists for Kafka (its
    /// coordinator holds it in memory) even before it has a committed offset.
    public nonisolated func hasOpenTransactions(group: String) async throws -> Bool {
        try Self.validate(group: group)
        let zk = session()
        return try await Self.mapErrors { try await !zk.childrenOrEmpty(ZkPaths.consumerTxnOffsetsRoot(group: group)).isEmpty }
    }

    static func encoded(_ offsets: [TopicPartition: OffsetAndMetadata]) -> [EncodedCommit] {
        offsets.sorted { $0.key < $1.key }.map {
            EncodedCommit(
                partition: $0.key, offset: ConsumerOffsetZNode.encode($0.value.offset),
                metadata: ConsumerOffsetMetadataZNode.encode($0.value))
        }
    }
}
