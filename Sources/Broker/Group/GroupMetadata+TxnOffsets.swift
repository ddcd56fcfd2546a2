import Coordination
import KafkaProtocol

/// One producer's open transaction in a group, in memory: its offsets, each with the commit-clock value of its
/// write (`GroupMetadata.commitOrderLast`), nil while the write is in flight (Kafka's
/// `CommitRecordMetadataAndOffset` with no record offset yet).
struct PendingTransaction: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var offset: OffsetAndMetadata
        var order: Int64?
    }

    var transactionalId: String
    var producerEpoch: Int16
    var offsets: [TopicPartition: Entry]

    /// What `/consumers/<g>/txn_offsets/<producerId>` holds for it.
    var stored: PendingTransactionalOffsets {
        PendingTransactionalOffsets(
            transactionalId: transactionalId, producerEpoch: producerEpoch, offsets: offsets.mapValues(\.offset))
    }
}

/// TxnOffsetCommit and the completion of a transaction's offsets by its markers (Kafka 2.8's
/// `GroupCoordinator.doTxnCommitOffsets` and `GroupMetadata.prepareTxnOffsetCommit`,
/// `failPendingTxnOffsetCommit`, `completePendingTxnOffsetCommit`). The driver writes; these decide.
extension GroupMetadata {
    struct TxnCommitParameters: Sendable, Equatable {
        var transactionalId: String
        var producerId: Int64
        var producerEpoch: Int16
        /// "" when not given (TxnOffsetCommit before v3, or a producer outside the group): not checked.
        var memberId: String
        var groupInstanceId: String?
        /// -1 when not given: not checked.
        var generationId: Int32
        var offsets: [TopicPartition: OffsetAndMetadata]
    }

    enum TxnCommitDecision: Sendable, Equatable {
        case reject(ErrorCode)
        /// Write the producer's whole pending set to ZooKeeper, then report with `txnOffsetsWritten`, handing back
        /// `previous` (the producer's transaction before this commit) so a failed write can be undone.
        case write(PendingTransactionalOffsets, previous: PendingTransaction?)
    }

    /// Checks a TxnOffsetCommit as Kafka does (member and generation only when given), then records its offsets
    /// as pending at once (so require_stable sees them, as in Kafka) and asks for the write. A later commit of the
    /// same producer merges into its transaction, the last offset per partition winning.
    mutating func prepareTxnOffsetCommit(_ request: TxnCommitParameters) -> TxnCommitDecision {
        if state == .dead { return .reject(.coordinatorNotAvailable) }
        if isStaticMemberFenced(memberId: request.memberId, groupInstanceId: request.groupInstanceId) {
            return .reject(.fencedInstanceId)
        }
        if !request.memberId.isEmpty && !has(request.memberId) { return .reject(.unknownMemberId) }
        if request.generationId >= 0 && request.generationId != generationId { return .reject(.illegalGeneration) }
        let previous = pendingTransactions[request.producerId]
        // Kafka's `__consumer_offsets` log refuses a batch from an older epoch of the producer.
        if let previous, request.producerEpoch < previous.producerEpoch { return .reject(.invalidProducerEpoch) }
        var transaction = previous ?? PendingTransaction(
            transactionalId: request.transactionalId, producerEpoch: request.producerEpoch, offsets: [:])
        transaction.transactionalId = request.transactionalId
        transaction.producerEpoch = request.producerEpoch
        for (partition, offset) in request.offsets { transaction.offsets[partition] = .init(offset: offset, order: nil) }
        pendingTransactions[request.producerId] = transaction
        return .write(transaction.stored, previous: previous)
    }

    /// The outcome of a TxnOffsetCommit's write. Written: its entries (unless a later commit of the producer
    /// replaced them meanwhile) take their place on the commit clock. Failed: they are undone, back to what the
    /// transaction held before (Kafka's `failPendingTxnOffsetCommit`).
    mutating func txnOffsetsWritten(_ request: TxnCommitParameters, previous: PendingTransaction?, error: ErrorCode) {
        guard var transaction = pendingTransactions[request.producerId] else { return }
        let order = error == .noError ? nextCommitOrder() : nil
        for (partition, offset) in request.offsets {
            guard let entry = transaction.offsets[partition], entry.offset == offset, entry.order == nil else { continue }
            if let order {
                transaction.offsets[partition]?.order = order
            } else {
                transaction.offsets[partition] = previous?.offsets[partition]
            }
        }
        pendingTransactions[request.producerId] = transaction.offsets.isEmpty ? nil : transaction
    }

    func hasPendingOffsetCommits(fromProducer producerId: Int64) -> Bool {
        pendingTransactions[producerId] != nil
    }

    /// What a transaction's marker writes as committed offsets: nil when the producer has nothing pending here
    /// (a retried marker: nothing to do); for an abort nothing; for a commit each pending offset unless a plain
    /// commit of the partition was written after it (Kafka's `completePendingTxnOffsetCommit`).
    func transactionCompletion(producerId: Int64, commit: Bool) -> [TopicPartition: OffsetAndMetadata]? {
        guard let transaction = pendingTransactions[producerId] else { return nil }
        guard commit else { return [:] }
        var winners: [TopicPartition: OffsetAndMetadata] = [:]
        for (partition, entry) in transaction.offsets {
            if let current = offsetOrders[partition], let order = entry.order, current > order { continue }
            winners[partition] = entry.offset
        }
        return winners
    }

    /// After the marker's write: `committed` (what `transactionCompletion` returned) are the group's offsets now,
    /// each at its own place on the commit clock, and the producer's transaction is gone.
    mutating func transactionCompleted(producerId: Int64, committed: [TopicPartition: OffsetAndMetadata]) {
        let transaction = pendingTransactions.removeValue(forKey: producerId)
        for (partition, offset) in committed {
            setOffset(offset, for: partition, order: transaction?.offsets[partition]?.order ?? nextCommitOrder())
        }
    }

    /// Installs what a load read from ZooKeeper: zxids become the commit clock, so a transaction's offsets are
    /// ordered against plain commits as ZooKeeper applied them.
    mutating func restore(_ snapshot: GroupOffsetsSnapshot) {
        for (partition, offset) in snapshot.offsets {
            setOffset(offset, for: partition, order: snapshot.offsetZxids[partition] ?? 0)
        }
        pendingTransactions = [:]
        for (producerId, stored) in snapshot.pendingTransactions {
            let order = snapshot.pendingTransactionZxids[producerId]
            pendingTransactions[producerId] = PendingTransaction(
                transactionalId: stored.transactionalId, producerEpoch: stored.producerEpoch,
                offsets: stored.offsets.mapValues { .init(offset: $0, order: order) })
        }
        let zxids = Array(snapshot.offsetZxids.values) + Array(snapshot.pendingTransactionZxids.values)
        commitOrderLast = max(commitOrderLast, zxids.max() ?? 0)
    }
}
