import KafkaProtocol

/// A transaction of one producer in this partition (Kafka's `TxnMetadata`): open while `lastOffset` is nil, then
/// completed at its marker's offset.
struct TxnMetadata: Sendable, Hashable {
    var producerId: Int64
    var firstOffset: Int64
    var lastOffset: Int64? = nil
}

/// A transaction a marker just completed (Kafka's `CompletedTxn`).
struct CompletedTxn: Sendable, Hashable {
    var producerId: Int64
    var firstOffset: Int64
    /// The marker's offset.
    var lastOffset: Int64
    var isAborted: Bool
}

extension ProducerStateManager {
    /// Kafka's `ProducerAppendInfo.appendEndTxnMarker` checks for a leader: a marker with an older producer epoch
    /// is refused (`INVALID_PRODUCER_EPOCH`), and one from an older coordinator (`TRANSACTION_COORDINATOR_FENCED`).
    /// A producer the log does not know, or one without an open transaction, passes: markers are retried.
    func checkEndTxnMarker(producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32) throws(StorageError) {
        guard let entry = producers[producerId] else { return }
        if producerEpoch < entry.producerEpoch {
            throw .invalidProducerEpoch(producerId: producerId, producerEpoch: producerEpoch, currentEpoch: entry.producerEpoch)
        }
        if coordinatorEpoch < entry.coordinatorEpoch {
            throw .transactionCoordinatorFenced(
                producerId: producerId, coordinatorEpoch: coordinatorEpoch, currentCoordinatorEpoch: entry.coordinatorEpoch)
        }
    }

    /// Records a marker now in the log at `offset`, without checks: the producer's transaction ends (a marker
    /// without one ends an empty transaction at its own offset, as Kafka's does), the epochs are taken from it,
    /// and the transaction waits in `unreplicatedTxns` for the high watermark. Returns the completed transaction
    /// and the last stable offset right after it (Kafka's `lastStableOffset(completedTxn)`: the first offset of
    /// another producer's open transaction, else the offset after the marker), for an abort's `.txnindex` entry.
    mutating func completeTxn(
        producerId: Int64, producerEpoch: Int16, marker: EndTransactionMarker, offset: Int64, timestamp: Int64
    ) -> (completed: CompletedTxn, lastStableOffset: Int64) {
        var entry = producers[producerId] ?? ProducerStateEntry(producerEpoch: producerEpoch, batches: [])
        entry.updateEpoch(producerEpoch)
        let firstOffset = entry.currentTxnFirstOffset ?? offset
        let completed = CompletedTxn(
            producerId: producerId, firstOffset: firstOffset, lastOffset: offset, isAborted: marker.type == .abort)
        let lastStableOffset = ongoingTxns.first { $0.producerId != producerId }?.firstOffset ?? offset + 1
        entry.currentTxnFirstOffset = nil
        entry.coordinatorEpoch = marker.coordinatorEpoch
        entry.lastTimestamp = timestamp
        entry.lastWrittenOffset = offset
        producers[producerId] = entry
        ongoingTxns.removeAll { $0.producerId == producerId }
        unreplicatedTxns.append(TxnMetadata(producerId: producerId, firstOffset: firstOffset, lastOffset: offset))
        return (completed, lastStableOffset)
    }

    /// Completed transactions whose marker is below the high watermark no longer hold back the last stable
    /// offset (Kafka's `onHighWatermarkUpdated`).
    mutating func onHighWatermarkUpdated(_ highWatermark: Int64) {
        unreplicatedTxns.removeAll { ($0.lastOffset ?? .max) < highWatermark }
    }

    /// The first offset of an open transaction or of a completed one whose marker is not replicated yet (Kafka's
    /// `firstUnstableOffset`); nil when there is none.
    var firstUnstableOffset: Int64? {
        let unreplicated = unreplicatedTxns.map(\.firstOffset).min()
        let undecided = ongoingTxns.first?.firstOffset
        switch (unreplicated, undecided) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }
}
