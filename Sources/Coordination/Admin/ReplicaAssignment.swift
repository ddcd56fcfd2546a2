/// Where the rack-unaware assignment starts: the broker index of partition 0's first replica, and the initial shift
/// of the followers. Kafka draws both at random; tests and `createPartitions` fix them.
public struct ReplicaPlacement: Sendable, Hashable {
    public var startIndex: Int
    public var replicaShift: Int

    public init(startIndex: Int, replicaShift: Int) {
        self.startIndex = startIndex
        self.replicaShift = replicaShift
    }

    /// Kafka's `fixedStartIndex`: one value for both.
    public init(fixedStartIndex: Int) {
        self.init(startIndex: fixedStartIndex, replicaShift: fixedStartIndex)
    }

    /// Two independent uniform draws in `0..<brokerCount`, as `AdminUtils` does.
    public static func random(brokerCount: Int) -> ReplicaPlacement {
        ReplicaPlacement(startIndex: Int.random(in: 0..<brokerCount), replicaShift: Int.random(in: 0..<brokerCount))
    }
}

/// Kafka's rack-unaware replica assignment (`AdminUtils.assignReplicasToBrokers`).
///
/// Spreads leaders round-robin from a start index and followers with a shift that grows by one after every full
/// round of brokers. With brokers B (n of them), start s, shift k: for partition i, if i > 0 and i % n == 0 then
/// k += 1; first = (i + s) % n; replica j (0 ..< rf-1) is B[(first + 1 + (k + j) % (n - 1)) % n].
public enum ReplicaAssignment {
    /// - Parameters:
    ///   - brokers: the candidate broker ids, sorted by the caller as Kafka does (by id).
    ///   - startPartitionId: the first partition id to assign (the current count when adding partitions).
    ///   - placement: start index and shift; nil draws them at random.
    public static func assign(
        brokers: [Int32], partitions: Int32, replicationFactor: Int32, startPartitionId: Int32 = 0,
        placement: ReplicaPlacement? = nil
    ) throws(AdminError) -> [Int32: [Int32]] {
        if partitions <= 0 {
            throw .partitions("Number of partitions must be larger than 0.")
        }
        if replicationFactor <= 0 {
            throw .replicationFactor("Replication factor must be larger than 0.")
        }
        if Int(replicationFactor) > brokers.count {
            throw .replicationFactor(
                "Replication factor: \(replicationFactor) larger than available brokers: \(brokers.count).")
        }
        let n = brokers.count
        let placement = placement ?? .random(brokerCount: n)
        var shift = placement.replicaShift
        var result: [Int32: [Int32]] = [:]
        var partition = Int(max(0, startPartitionId))
        for _ in 0..<Int(partitions) {
            if partition > 0 && partition % n == 0 { shift += 1 }
            let first = (partition + placement.startIndex) % n
            var replicas = [brokers[first]]
            for j in 0..<Int(replicationFactor) - 1 {
                replicas.append(brokers[(first + 1 + (shift + j) % (n - 1)) % n])
            }
            result[Int32(partition)] = replicas
            partition += 1
        }
        return result
    }
}
