/// The states of a consumer group on its coordinator (Kafka's `GroupState`), with Kafka's names as
/// DescribeGroups and ListGroups report them.
///
/// Empty -> PreparingRebalance (a member joins) -> CompletingRebalance (every known member rejoined, or the
/// rebalance timeout passed) -> Stable (the leader's SyncGroup delivered the assignment) -> PreparingRebalance
/// (a member joins, leaves, dies or changes its metadata) ... -> Empty (the last member left) -> Dead (deleted,
/// or every offset expired).
enum GroupState: String, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"

    /// The states a group may leave for PreparingRebalance (Kafka's `canRebalance`).
    var canRebalance: Bool {
        switch self {
        case .empty, .completingRebalance, .stable: return true
        case .preparingRebalance, .dead: return false
        }
    }
}
