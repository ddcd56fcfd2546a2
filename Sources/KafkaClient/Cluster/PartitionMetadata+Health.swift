/// The two partition troubles an operator watches for, defined once for `gregor topics --describe`'s filters and
/// `gregor cluster` (Kafka 2.8 `TopicCommand.PartitionDescription`).
extension PartitionMetadata {
    /// Fewer in-sync replicas than replicas (`--under-replicated-partitions`).
    public var isUnderReplicated: Bool { isr.count < replicas.count }

    /// No leader, or a leader that is not a live broker (`--unavailable-partitions`): nobody can produce to or
    /// fetch from it.
    public func isOffline(liveBrokers: Set<Int32>) -> Bool {
        guard let leader else { return true }
        return !liveBrokers.contains(leader)
    }
}
