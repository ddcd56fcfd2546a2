import KafkaProtocol

/// What InitProducerId does to an id (Kafka's `prepareInitProducerIdTransit`).
enum InitProducerIdDecision: Sendable, Hashable {
    /// Answer with this error; nothing changes.
    case fail(ErrorCode)
    /// The epoch is exhausted: the caller gets a fresh producer id and asks again with it.
    case needsProducerId
    /// Write this (Empty, with the bumped epoch or the new producer id), then answer with its id and epoch.
    case write(TransactionTransit)
    /// A transaction is open: it is aborted first with this bumped epoch (never returned to the client) through
    /// `prepareEndTransaction(… isFromClient: false …)`, and the client gets CONCURRENT_TRANSACTIONS and retries.
    case fenceAndAbort(TransactionTransit)
}

/// What AddPartitionsToTxn, AddOffsetsToTxn and EndTxn do: answer at once, or write first.
enum TransactionDecision: Sendable, Hashable {
    case answer(ErrorCode)
    case write(TransactionTransit)
}

/// The transitions, following Kafka 2.8's `TransactionCoordinator` and `TransactionMetadata` check for check. Each
/// `prepare…` that returns a transit has set `pendingState`; the driver writes the transit and then calls
/// `complete(_:)` (or `abandonPending()` when the write failed).
extension TransactionMetadata {
    // MARK: InitProducerId

    /// - Parameters:
    ///   - expected: KIP-360's producer id and epoch a producer recovering from an error sends; nil for a new one.
    ///   - freshProducerId: a producer id from `ProducerIdManager`, given when a previous call said `needsProducerId`.
    mutating func prepareInitProducerId(
        transactionTimeoutMs: Int32, expected: (producerId: Int64, epoch: Int16)?, freshProducerId: Int64?, nowMs: Int64
    ) -> InitProducerIdDecision {
        if pendingTransitionInProgress { return .fail(.concurrentTransactions) }
        if let expected, !isValidExpectedProducer(expected) { return .fail(.producerFenced) }
        switch state {
        case .prepareAbort, .prepareCommit:
            return .fail(.concurrentTransactions)
        case .completeAbort, .completeCommit, .empty:
            if isProducerEpochExhausted, expected.map({ $0.epoch == producerEpoch }) ?? true {
                guard let freshProducerId else { return .needsProducerId }
                return .write(
                    prepareTransition(
                        to: .empty, producerId: freshProducerId, epoch: 0,
                        lastEpoch: expected == nil ? Self.noProducerEpoch : producerEpoch, timeoutMs: transactionTimeoutMs,
                        partitions: [], groups: [], startMs: -1, nowMs: nowMs))
            }
            let bumped = producerEpoch + 1  // not exhausted, so below Int16.max
            let epochs: (next: Int16, last: Int16)
            switch expected?.epoch {
            case nil: epochs = (bumped, Self.noProducerEpoch)
            case let epoch? where producerEpoch == Self.noProducerEpoch || epoch == producerEpoch: epochs = (bumped, producerEpoch)
            // A retry of a call that bumped the epoch but whose answer was lost: answer the same epoch again.
            case let epoch? where epoch == lastProducerEpoch: epochs = (producerEpoch, lastProducerEpoch)
            default: return .fail(.producerFenced)
            }
            return .write(
                prepareTransition(
                    to: .empty, producerId: producerId, epoch: epochs.next, lastEpoch: epochs.last,
                    timeoutMs: transactionTimeoutMs, partitions: [], groups: [], startMs: -1, nowMs: nowMs))
        case .ongoing:
            guard let fence = prepareFenceProducerEpoch() else { return .fail(.unknownServerError) }
            return .fenceAndAbort(fence)
        case .dead, .prepareEpochFence:
            // Kafka: "we should never have transitioned to this state".
            return .fail(.unknownServerError)
        }
    }

    /// KIP-360: a recovering producer's expected id must be this id's (or its previous one with an exhausted
    /// epoch, a retry after a rotation), unless the id was just created.
    private func isValidExpectedProducer(_ expected: (producerId: Int64, epoch: Int16)) -> Bool {
        producerEpoch == Self.noProducerEpoch || expected.producerId == producerId
            || (expected.producerId == lastProducerId && Self.isEpochExhausted(expected.epoch))
    }

    /// Kafka's `prepareFenceProducerEpoch`: the epoch + 1 in PrepareEpochFence, nil when the epoch is already
    /// `Int16.max` (it would overflow; clients never get that epoch, so only a corrupt znode gets here).
    mutating func prepareFenceProducerEpoch() -> TransactionTransit? {
        guard producerEpoch < Int16.max, pendingState == nil else { return nil }
        return prepareTransition(
            to: .prepareEpochFence, producerId: producerId, epoch: producerEpoch + 1, lastEpoch: Self.noProducerEpoch,
            timeoutMs: txnTimeoutMs, partitions: partitions, groups: groups, startMs: txnStartTimestampMs,
            nowMs: txnLastUpdateTimestampMs)
    }

    // MARK: AddPartitionsToTxn, AddOffsetsToTxn

    /// Adds partitions (AddPartitionsToTxn) and groups (AddOffsetsToTxn) to the transaction, opening it if none is.
    mutating func prepareAdd(
        producerId: Int64, producerEpoch: Int16, partitions added: Set<TopicPartition>, groups addedGroups: Set<String> = [],
        nowMs: Int64
    ) -> TransactionDecision {
        if producerId != self.producerId { return .answer(.invalidProducerIdMapping) }
        if producerEpoch != self.producerEpoch { return .answer(.producerFenced) }
        if pendingTransitionInProgress { return .answer(.concurrentTransactions) }
        if state == .prepareCommit || state == .prepareAbort { return .answer(.concurrentTransactions) }
        if state == .ongoing, added.isSubset(of: partitions), addedGroups.isSubset(of: groups) { return .answer(.noError) }
        let startMs = state == .empty || state == .completeAbort || state == .completeCommit ? nowMs : txnStartTimestampMs
        return .write(
            prepareTransition(
                to: .ongoing, producerId: producerId, epoch: producerEpoch, lastEpoch: lastProducerEpoch,
                timeoutMs: txnTimeoutMs, partitions: partitions.union(added), groups: groups.union(addedGroups),
                startMs: startMs, nowMs: nowMs))
    }

    // MARK: EndTxn

    /// Kafka's `endTransaction` before the append: Ongoing moves to PrepareCommit or PrepareAbort; a retry of an
    /// end that completed (or is completing) answers at once. `isFromClient` is false for the coordinator's own
    /// aborts (a fenced epoch, a timeout), which carry the epoch `prepareFenceProducerEpoch` bumped.
    mutating func prepareEndTransaction(
        producerId: Int64, producerEpoch: Int16, commit: Bool, isFromClient: Bool, nowMs: Int64
    ) -> TransactionDecision {
        if producerId != self.producerId { return .answer(.invalidProducerIdMapping) }
        if (isFromClient && producerEpoch != self.producerEpoch) || producerEpoch < self.producerEpoch {
            return .answer(.producerFenced)
        }
        if let pendingState, pendingState != .prepareEpochFence { return .answer(.concurrentTransactions) }
        switch state {
        case .ongoing:
            if !commit, pendingState == .prepareEpochFence {
                // The epoch fence becomes this abort: its bumped epoch is the one written.
                self.pendingState = nil
                self.producerEpoch = producerEpoch
                self.lastProducerEpoch = Self.noProducerEpoch
            }
            guard pendingState == nil else { return .answer(.concurrentTransactions) }
            return .write(
                prepareTransition(
                    to: commit ? .prepareCommit : .prepareAbort, producerId: self.producerId, epoch: self.producerEpoch,
                    lastEpoch: lastProducerEpoch, timeoutMs: txnTimeoutMs, partitions: partitions, groups: groups,
                    startMs: txnStartTimestampMs, nowMs: nowMs))
        case .completeCommit: return .answer(commit ? .noError : .invalidTxnState)
        case .completeAbort: return .answer(commit ? .invalidTxnState : .noError)
        case .prepareCommit: return .answer(commit ? .concurrentTransactions : .invalidTxnState)
        case .prepareAbort: return .answer(commit ? .invalidTxnState : .concurrentTransactions)
        case .empty: return .answer(.invalidTxnState)
        case .dead, .prepareEpochFence: return .answer(.unknownServerError)
        }
    }

    /// Kafka's `prepareComplete`, once every marker is written: PrepareCommit to CompleteCommit, PrepareAbort to
    /// CompleteAbort, with the partitions and groups cleared. Nil when not in a Prepare state or another transition
    /// is pending.
    mutating func prepareComplete(nowMs: Int64) -> TransactionTransit? {
        guard pendingState == nil, state == .prepareCommit || state == .prepareAbort else { return nil }
        return prepareTransition(
            to: state == .prepareCommit ? .completeCommit : .completeAbort, producerId: producerId, epoch: producerEpoch,
            lastEpoch: lastProducerEpoch, timeoutMs: txnTimeoutMs, partitions: [], groups: [],
            startMs: txnStartTimestampMs, nowMs: nowMs)
    }

    /// The markers a Prepare state sends (nil in any other state).
    func markers(coordinatorEpoch: Int32) -> TransactionMarkers? {
        guard state == .prepareCommit || state == .prepareAbort else { return nil }
        return TransactionMarkers(
            transactionalId: transactionalId, producerId: producerId, producerEpoch: producerEpoch,
            coordinatorEpoch: coordinatorEpoch, commit: state == .prepareCommit, partitions: partitions, groups: groups)
    }

    // MARK: timeouts and expiration

    /// Kafka's `timedOutTransactions`: an Ongoing transaction open longer than its timeout, with nothing pending.
    func isTimedOut(nowMs: Int64) -> Bool {
        // Subtracting from the clock: a start time read from ZooKeeper may be anything up to Int64.max.
        pendingState == nil && state == .ongoing && txnStartTimestampMs < nowMs - Int64(txnTimeoutMs)
    }

    /// Kafka's `shouldExpire`: no transaction open, nothing pending, and idle for `expirationMs`.
    func shouldExpire(nowMs: Int64, expirationMs: Int64) -> Bool {
        pendingState == nil && state.isExpirationAllowed && txnLastUpdateTimestampMs <= nowMs - expirationMs
    }

    /// Expiration's transition to Dead; the driver deletes the znode instead of writing it.
    mutating func prepareDead() -> TransactionTransit? {
        guard pendingState == nil, state.canTransition(to: .dead) else { return nil }
        return prepareTransition(
            to: .dead, producerId: producerId, epoch: producerEpoch, lastEpoch: lastProducerEpoch, timeoutMs: txnTimeoutMs,
            partitions: [], groups: [], startMs: txnStartTimestampMs, nowMs: txnLastUpdateTimestampMs)
    }

    // MARK: the two steps

    /// Kafka's `prepareTransitionTo`: records the pending state and returns the target. Callers check the state
    /// first, so an invalid move is a programming error.
    private mutating func prepareTransition(
        to next: TransactionState, producerId newProducerId: Int64, epoch: Int16, lastEpoch: Int16, timeoutMs: Int32,
        partitions newPartitions: Set<TopicPartition>, groups newGroups: Set<String>, startMs: Int64, nowMs: Int64
    ) -> TransactionTransit {
        precondition(pendingState == nil, "\(transactionalId): preparing \(next.name) while \(pendingState!.name) is pending")
        precondition(newProducerId >= 0 && epoch >= 0, "\(transactionalId): producer id \(newProducerId), epoch \(epoch)")
        precondition(state.canTransition(to: next), "\(transactionalId): \(state.name) cannot move to \(next.name)")
        pendingState = next
        return TransactionTransit(
            producerId: newProducerId, lastProducerId: producerId, producerEpoch: epoch, lastProducerEpoch: lastEpoch,
            txnTimeoutMs: timeoutMs, state: next, partitions: newPartitions, groups: newGroups,
            txnStartTimestampMs: startMs, txnLastUpdateTimestampMs: nowMs)
    }

    /// The transit was written: the metadata becomes it (Kafka's `completeTransitionTo`).
    mutating func complete(_ transit: TransactionTransit) {
        precondition(pendingState == transit.state, "\(transactionalId): completing \(transit.state.name), pending \(String(describing: pendingState?.name))")
        producerId = transit.producerId
        lastProducerId = transit.lastProducerId
        producerEpoch = transit.producerEpoch
        lastProducerEpoch = transit.lastProducerEpoch
        txnTimeoutMs = transit.txnTimeoutMs
        state = transit.state
        partitions = transit.partitions
        groups = transit.groups
        txnStartTimestampMs = transit.txnStartTimestampMs
        txnLastUpdateTimestampMs = transit.txnLastUpdateTimestampMs
        pendingState = nil
    }

    /// The transit was not written: no transition is in flight any more.
    mutating func abandonPending() {
        pendingState = nil
    }
}
