/// The state of a transactional id at its transaction coordinator (Kafka's `TransactionState`), with the byte Kafka
/// stores for it and the moves Kafka allows (`TransactionMetadata.validPreviousStates`):
///
///     Empty ──▶ Ongoing ──▶ PrepareCommit ──▶ CompleteCommit ──▶ (Ongoing | Empty | Dead)
///                   │  └──▶ PrepareAbort ───▶ CompleteAbort ───▶ (Ongoing | Empty | Dead)
///                   └──▶ PrepareEpochFence ──▶ PrepareAbort        (a newer producer fences an open transaction)
///
/// Empty, CompleteCommit and CompleteAbort have no open transaction: only there may an idle id expire
/// (`transactional.id.expiration.ms`), becoming Dead.
enum TransactionState: Int8, Sendable, Hashable, CaseIterable {
    case empty = 0
    case ongoing = 1
    case prepareCommit = 2
    case prepareAbort = 3
    case completeCommit = 4
    case completeAbort = 5
    case dead = 6
    case prepareEpochFence = 7

    /// Kafka's state names, as `kafka-transactions.sh` and DescribeTransactions print them.
    var name: String {
        switch self {
        case .empty: "Empty"
        case .ongoing: "Ongoing"
        case .prepareCommit: "PrepareCommit"
        case .prepareAbort: "PrepareAbort"
        case .completeCommit: "CompleteCommit"
        case .completeAbort: "CompleteAbort"
        case .dead: "Dead"
        case .prepareEpochFence: "PrepareEpochFence"
        }
    }

    /// The states this one may be entered from.
    var validPreviousStates: Set<TransactionState> {
        switch self {
        case .empty: [.empty, .completeCommit, .completeAbort]
        case .ongoing: [.ongoing, .empty, .completeCommit, .completeAbort]
        case .prepareCommit: [.ongoing]
        case .prepareAbort: [.ongoing, .prepareEpochFence]
        case .completeCommit: [.prepareCommit]
        case .completeAbort: [.prepareAbort]
        case .dead: [.empty, .completeAbort, .completeCommit]
        case .prepareEpochFence: [.ongoing]
        }
    }

    /// Whether moving from `self` to `next` is allowed.
    func canTransition(to next: TransactionState) -> Bool {
        next.validPreviousStates.contains(self)
    }

    /// No transaction is open: the id may expire after `transactional.id.expiration.ms` of inactivity.
    var isExpirationAllowed: Bool {
        self == .empty || self == .completeCommit || self == .completeAbort
    }
}
