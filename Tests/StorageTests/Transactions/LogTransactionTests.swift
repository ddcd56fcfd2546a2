import Foundation
import GregorTestSupport
import KafkaProtocol
import NIOCore
@testable import Storage
import Testing

/// Transactions in a real log (Kafka 2.8's `ProducerStateManager`, `TransactionIndex`, `Log.collectAbortedTransactions`
/// and `firstUnstableOffset`): what the leader checks, what markers complete, what the LSO waits for.
@Suite("Transactions in a log")
struct LogTransactionTests {
    let directory: ScratchDirectory

    init() throws {
        directory = try ScratchDirectory("txn-log")
    }

    static func expectRefused(_ log: Log, code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        let end = log.logEndOffset
        let error = #expect(throws: StorageError.self, sourceLocation: sourceLocation) { try body() }
        #expect(error?.errorCode == code, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(log.logEndOffset == end, "nothing written", sourceLocation: sourceLocation)
    }

    /// Rule 1: a transactional batch opens the producer's transaction; a non-transactional one inside it is
    /// INVALID_TXN_STATE; after the marker the producer may write outside a transaction again.
    @Test func aNonTransactionalBatchDuringAnOpenTransactionIsInvalidTxnState() throws {
        let log = try TestLogs.open(directory.path)
        try TestLogs.append(log, counts: [2])
        let first = try TxnTestLog.append(log, TxnTestLog.batch(producerId: 7, sequence: 0))
        #expect(log.producers[7]?.currentTxnFirstOffset == 2)
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 7, sequence: 3))
        #expect(log.producers[7]?.currentTxnFirstOffset == first.firstOffset, "a second batch stays in the same transaction")
        Self.expectRefused(log, code: .invalidTxnState) {
            try TxnTestLog.append(log, TxnTestLog.batch(producerId: 7, sequence: 6, transactional: false))
        }
        // The duplicate of a transactional batch is still recognised.
        #expect(try TxnTestLog.append(log, TxnTestLog.batch(producerId: 7, sequence: 3)).isDuplicate)
        let commit = try TxnTestLog.marker(log, producerId: 7, coordinatorEpoch: 3, commit: true)
        #expect(log.producers[7]?.currentTxnFirstOffset == nil)
        #expect(log.producers[7]?.coordinatorEpoch == 3)
        let after = try TxnTestLog.append(log, TxnTestLog.batch(producerId: 7, sequence: 6, transactional: false))
        #expect(after.firstOffset == commit + 1, "the marker took one offset, no sequence")
        // A client's control batch stays refused.
        var control = ByteBuffer(bytes: RecordBatch.controlBatch(
            marker: EndTransactionMarker(type: .commit, coordinatorEpoch: 3), producerId: 7, producerEpoch: 0,
            timestampMs: TestLogs.baseTimestamp))
        #expect(throws: StorageError.self) { try log.appendAsLeader(&control, leaderEpoch: 0) }
    }

    /// Kafka's marker checks: an older producer epoch is INVALID_PRODUCER_EPOCH, an older coordinator epoch
    /// TRANSACTION_COORDINATOR_FENCED; a marker without an open transaction is written (a retry).
    @Test func staleMarkersAreRefusedAndRetriedOnesWritten() throws {
        let log = try TestLogs.open(directory.path)
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 9, epoch: 2, sequence: 0))
        Self.expectRefused(log, code: .invalidProducerEpoch) {
            try TxnTestLog.marker(log, producerId: 9, epoch: 1, coordinatorEpoch: 5, commit: false)
        }
        try TxnTestLog.marker(log, producerId: 9, epoch: 2, coordinatorEpoch: 5, commit: true)
        Self.expectRefused(log, code: .transactionCoordinatorFenced) {
            try TxnTestLog.marker(log, producerId: 9, epoch: 2, coordinatorEpoch: 4, commit: true)
        }
        let retry = try TxnTestLog.marker(log, producerId: 9, epoch: 2, coordinatorEpoch: 5, commit: true)
        #expect(retry == 4)
        // A coordinator aborting with a bumped epoch: the producer's batches of the old epoch are gone, the
        // transaction state is the marker's.
        let unknown = try TxnTestLog.marker(log, producerId: 10, epoch: 4, coordinatorEpoch: 1, commit: false)
        let entry = try #require(log.producers[10])
        #expect(entry.producerEpoch == 4 && entry.batches.isEmpty && entry.lastSequence == -1 && entry.coordinatorEpoch == 1)
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max)
            == [AbortedTransaction(producerId: 10, firstOffset: unknown, lastOffset: unknown, lastStableOffset: unknown + 1)])
        // A new epoch starts at sequence 0 after an epoch bumped by a marker.
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 10, epoch: 4, sequence: 0))
    }

    /// Rule 5: the first unstable offset covers open transactions and completed ones whose marker is not below
    /// the high watermark.
    @Test func firstUnstableOffsetFollowsOpenTransactionsAndTheHighWatermark() throws {
        let log = try TestLogs.open(directory.path)
        #expect(log.firstUnstableOffset == nil)
        try TestLogs.append(log, counts: [1])  // offset 0, no producer
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 1, sequence: 0))  // 1-3
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 2, sequence: 0))  // 4-6
        #expect(log.firstUnstableOffset == 1)
        let abort2 = try TxnTestLog.marker(log, producerId: 2, commit: false)  // 7
        #expect(abort2 == 7)
        // Producer 1 is still open, so the abort's LSO is its first offset.
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max)
            == [AbortedTransaction(producerId: 2, firstOffset: 4, lastOffset: 7, lastStableOffset: 1)])
        let commit1 = try TxnTestLog.marker(log, producerId: 1, commit: true)  // 8
        #expect(log.firstUnstableOffset == 1, "completed, but the markers are not replicated")
        log.onHighWatermarkUpdated(8)
        #expect(log.firstUnstableOffset == 1, "1's marker at 8 is not below the high watermark 8")
        log.onHighWatermarkUpdated(commit1 + 1)
        #expect(log.firstUnstableOffset == nil)
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 2, sequence: 3))  // 9-11
        #expect(log.firstUnstableOffset == 9)
        let commit2 = try TxnTestLog.marker(log, producerId: 2, commit: true)
        log.onHighWatermarkUpdated(commit2)
        #expect(log.firstUnstableOffset == 9)
        log.onHighWatermarkUpdated(commit2 + 1)
        #expect(log.firstUnstableOffset == nil)
        #expect(try log.collectAbortedTransactions(from: 8, upTo: .max).isEmpty, "the abort's marker lies below 8")
    }

    /// Rule 3: each abort is an entry of the `.txnindex` of the segment that got its marker; the search returns
    /// exactly the entries overlapping the range, across segments.
    @Test func abortedTransactionsAreCollectedAcrossSegments() throws {
        var config = LogConfig()
        config.segmentBytes = 700
        let log = try TestLogs.open(directory.path, config: config)
        let aborted = try TxnTestLog.writeMix(log, rounds: 12)
        #expect(log.numberOfSegments > 4)
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max) == aborted)
        let end = log.logEndOffset
        for start in stride(from: Int64(0), to: end, by: 7) {
            for bound in [start + 1, start + 10, start + 40, end] {
                let expected = aborted.filter { $0.lastOffset >= start && $0.firstOffset < bound }
                let found = try log.collectAbortedTransactions(from: start, upTo: bound)
                // The search may stop early but never misses an overlapping entry; whatever it returns overlaps.
                #expect(Set(found) == Set(expected), "from \(start) up to \(bound)")
            }
        }
        // Files: only segments with an abort have one, 34 bytes per entry.
        let files = try TxnTestLog.txnIndexFiles(directory.path)
        var total = 0
        for name in files {
            total += try ScratchDirectory.lengthBytes(directory.child(name)) / 34
            #expect(try ScratchDirectory.lengthBytes(directory.child(name)) % 34 == 0)
        }
        #expect(total == aborted.count)
        let raw = try ScratchDirectory.bytes(directory.child(try #require(files.first)))
        #expect(Array(raw[0..<2]) == [0, 0], "version 0")
        #expect(Array(raw[2..<10]) == TestBatches.bigEndianBytes(aborted[0].producerId))
        #expect(Array(raw[18..<26]) == TestBatches.bigEndianBytes(aborted[0].lastOffset))
    }

    /// Rule 2: a follower appending its leader's batches, markers included, ends with the leader's producer state,
    /// transaction index and unstable offset.
    @Test func aFollowerAppliesTheLeadersMarkers() throws {
        var config = LogConfig()
        config.segmentBytes = 900
        let leader = try TestLogs.open(directory.child("leader"), config: config)
        let aborted = try TxnTestLog.writeMix(leader, rounds: 6)
        let follower = try TestLogs.open(directory.child("follower"), config: config)
        var offset: Int64 = 0
        while offset < leader.logEndOffset {
            let slice = try #require(try leader.read(from: offset, maxBytes: 600).records)
            var buffer = ByteBuffer(bytes: try slice.readBytes())
            let info = try follower.appendAsFollower(&buffer)
            offset = info.lastOffset + 1
        }
        #expect(TxnTestLog.view(follower) == TxnTestLog.view(leader))
        #expect(try follower.collectAbortedTransactions(from: 0, upTo: .max) == aborted)
        #expect(follower.firstUnstableOffset == leader.firstUnstableOffset)
        follower.onHighWatermarkUpdated(follower.logEndOffset)
        leader.onHighWatermarkUpdated(leader.logEndOffset)
        #expect(follower.firstUnstableOffset == leader.firstUnstableOffset)
        #expect(follower.firstUnstableOffset == leader.producers[3]?.currentTxnFirstOffset)
    }

    /// Truncation below an abort's marker removes its entry and reopens the transaction.
    @Test func truncationBelowAnAbortMarkerReopensTheTransaction() throws {
        let log = try TestLogs.open(directory.path)
        let first = try TxnTestLog.append(log, TxnTestLog.batch(producerId: 4, sequence: 0)).firstOffset
        try log.roll()  // a snapshot at 3, below the marker
        try TxnTestLog.append(log, TxnTestLog.batch(producerId: 4, sequence: 3))
        let abort = try TxnTestLog.marker(log, producerId: 4, coordinatorEpoch: 2, commit: false)
        try log.roll()  // a snapshot above the marker, which the truncation must delete
        try TestLogs.append(log, counts: [2])
        #expect(try TxnTestLog.snapshotOffsets(directory.path) == [3, abort + 1])
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max).count == 1)

        try log.truncate(to: abort)
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max).isEmpty)
        #expect(try TxnTestLog.snapshotOffsets(directory.path) == [3])
        let entry = try #require(log.producers[4])
        #expect(entry.currentTxnFirstOffset == first && entry.coordinatorEpoch == -1 && entry.lastSequence == 5)
        #expect(log.firstUnstableOffset == first)
        // The producer carries on in its transaction; a new abort lands at the new end.
        let again = try TxnTestLog.marker(log, producerId: 4, commit: false)
        #expect(again == abort)
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max)
            == [AbortedTransaction(producerId: 4, firstOffset: first, lastOffset: abort, lastStableOffset: abort + 1)])
    }

    /// Retention deletes the `.txnindex` of the segments it deletes and the snapshots below the log start
    /// (but the newest), and forgets the transactions below it.
    @Test func retentionTakesTxnIndexesAndOldSnapshots() throws {
        var config = LogConfig()
        config.segmentBytes = 700
        let log = try TestLogs.open(directory.path, config: config)
        try TxnTestLog.writeMix(log, rounds: 12)
        let segments = log.segmentBaseOffsets
        let cut = segments[segments.count - 2]
        try log.deleteRecords(before: cut)
        try log.deleteSegmentsBelowLogStart()
        for name in try TxnTestLog.txnIndexFiles(directory.path) {
            #expect(try #require(LogFileNames.offset(fromFileName: name)) >= cut)
        }
        #expect(try TxnTestLog.snapshotOffsets(directory.path).allSatisfy { $0 >= cut })
        #expect(try log.collectAbortedTransactions(from: cut, upTo: .max).allSatisfy { $0.lastOffset >= cut })
    }
}
