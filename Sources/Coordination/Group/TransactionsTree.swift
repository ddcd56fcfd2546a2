import ZooKeeper

/// A group's `txn_offsets` tree as this broker last read or wrote it: the names of its producer znodes, nil when
/// the root znode is absent. Like `PartitionTree`, it decides create versus setData in a multi-op, and a stale
/// idea of it costs one refused multi-op and a fresh read.
struct TransactionsTree: Sendable, Hashable {
    var producers: Set<String>?

    func contains(_ producerId: Int64) -> Bool { producers?.contains(String(producerId)) ?? false }

    /// Writes `txn_offsets/<producerId>`: setData (any version) when it exists, else create, after creating the
    /// root when it is absent.
    mutating func upsert(group: String, producerId: Int64, data: [UInt8], into ops: inout [ZooKeeperOperation]) {
        var names = producers ?? []
        if producers == nil { ops.append(.create(path: ZkPaths.consumerTxnOffsetsRoot(group: group), data: [], mode: .persistent)) }
        let path = ZkPaths.consumerTxnOffsets(group: group, producerId: producerId)
        if names.contains(String(producerId)) {
            ops.append(.setData(path: path, data: data, version: anyVersion))
        } else {
            ops.append(.create(path: path, data: data, mode: .persistent))
            names.insert(String(producerId))
        }
        producers = names
    }

    /// Deletes `txn_offsets/<producerId>` if it exists. The root stays: the next transaction reuses it.
    mutating func remove(group: String, producerId: Int64, into ops: inout [ZooKeeperOperation]) {
        guard var names = producers, names.contains(String(producerId)) else { return }
        ops.append(.delete(path: ZkPaths.consumerTxnOffsets(group: group, producerId: producerId), version: anyVersion))
        names.remove(String(producerId))
        producers = names
    }

    /// Deletes every znode of the tree, children first, root last.
    mutating func removeAll(group: String, into ops: inout [ZooKeeperOperation]) {
        guard let names = producers else { return }
        let root = ZkPaths.consumerTxnOffsetsRoot(group: group)
        for name in names.sorted() { ops.append(.delete(path: root + "/" + name, version: anyVersion)) }
        ops.append(.delete(path: root, version: anyVersion))
        producers = nil
    }
}
