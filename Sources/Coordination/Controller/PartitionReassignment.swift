import KafkaProtocol

/// Kafka's `ReplicaAssignment` arithmetic for reassignments (KIP-455): while a partition moves, its replicas are
/// the union of the origin and target sets, target first; `adding` are the target replicas the origin lacks,
/// `removing` the origin replicas the target lacks.
extension PartitionReplicas {
    public var isBeingReassigned: Bool { !addingReplicas.isEmpty || !removingReplicas.isEmpty }
    /// The replicas before the reassignment began.
    public var originReplicas: [Int32] { replicas.filter { !addingReplicas.contains($0) } }
    /// The replicas once it completes.
    public var targetReplicas: [Int32] { replicas.filter { !removingReplicas.contains($0) } }

    /// Kafka's `reassignTo`: from this assignment's origin to `target`.
    public func reassigned(to target: [Int32]) -> PartitionReplicas {
        let origin = originReplicas
        var full: [Int32] = []
        for id in target + origin where !full.contains(id) { full.append(id) }
        return PartitionReplicas(full, adding: full.filter { !origin.contains($0) }, removing: full.filter { !target.contains($0) })
    }
}

/// Why a requested reassignment is refused (Kafka's `validateReplicas` in `KafkaController`), with Kafka's messages.
enum ReassignmentValidation {
    static func check(_ target: [Int32], current: PartitionReplicas, liveBrokers: Set<Int32>) -> ApiError? {
        if target.isEmpty {
            return ApiError(.invalidReplicaAssignment, "Empty replica list specified in partition reassignment.")
        }
        if Set(target).count != target.count {
            return ApiError(.invalidReplicaAssignment, "Duplicate replica ids in partition reassignment replica list: \(list(target))")
        }
        if target.contains(where: { $0 < 0 }) {
            return ApiError(.invalidReplicaAssignment, "Invalid broker id in replica list: \(list(target))")
        }
        let adding = current.reassigned(to: target).addingReplicas
        if !Set(adding).isSubset(of: liveBrokers) {
            return ApiError(
                .invalidReplicaAssignment,
                "Replica assignment has brokers that are not alive. Replica list: \(list(adding)), live broker list: Set(\(liveBrokers.sorted().map(String.init).joined(separator: ", ")))")
        }
        return nil
    }

    /// Scala's `Seq.toString`, as Kafka's messages print lists.
    static func list(_ ids: [Int32]) -> String { "List(\(ids.map(String.init).joined(separator: ", ")))" }
}
