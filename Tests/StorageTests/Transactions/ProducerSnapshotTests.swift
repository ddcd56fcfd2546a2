import Foundation
import GregorTestSupport
import KafkaProtocol
import NIOCore
@testable import Storage
import Testing

/// Kafka's `.snapshot` files and the rebuild after a restart or a crash: the producer state, the `.txnindex` and
/// the first unstable offset come back the same, without replaying the whole log when a snapshot allows.
@Suite("Producer snapshots and transaction recovery")
struct ProducerSnapshotTests {
    let directory: ScratchDirectory

    init() throws {
        directory = try ScratchDirectory("txn-snapshot")
    }

    static var config: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 700
        return config
    }

    struct Observed: Equatable {
        var producers: [Int64: TxnTestLog.ProducerView]
        var aborted: [AbortedTransaction]
        var firstUnstableOffset: Int64?
        var logEndOffset: Int64
    }

    /// What the log says, with the high watermark at the log end (a restarted log's unreplicated list is what
    /// replay found; the high watermark clears it the same way on both sides).
    static func observe(_ log: Log) throws -> Observed {
        log.onHighWatermarkUpdated(log.logEndOffset)
        return Observed(
            producers: TxnTestLog.view(log), aborted: try log.collectAbortedTransactions(from: 0, upTo: .max),
            firstUnstableOffset: log.firstUnstableOffset, logEndOffset: log.logEndOffset)
    }

    /// Kafka's format, byte for byte: version 1, CRC-32C of the rest, count, 46-byte entries.
    @Test func theSnapshotFormatIsKafkas() throws {
        var state = ProducerStateManager()
        let header = try TxnTestLog.batch(producerId: 5, epoch: 2, sequence: 10, count: 4).withUnsafeBytes {
            try RecordBatchHeader(parsing: $0)
        }
        state.update(try #require(ProducerBatch(header)), firstOffset: 100, lastOffset: 103, timestamp: 1234)
        let bytes = ProducerStateSnapshot.encode(state)
        #expect(bytes.count == 2 + 4 + 4 + 46)
        #expect(Array(bytes[0..<2]) == [0, 1])
        #expect(Array(bytes[2..<6]) == TestBatches.bigEndianBytes(TestBatches.crc32c(bytes[6...])))
        let expectedEntry: [UInt8] = TestBatches.bigEndianBytes(Int32(1)) + TestBatches.bigEndianBytes(Int64(5))
            + TestBatches.bigEndianBytes(Int16(2)) + TestBatches.bigEndianBytes(Int32(13)) + TestBatches.bigEndianBytes(Int64(103))
            + TestBatches.bigEndianBytes(Int32(3)) + TestBatches.bigEndianBytes(Int64(1234)) + TestBatches.bigEndianBytes(Int32(-1))
            + TestBatches.bigEndianBytes(Int64(100))
        #expect(Array(bytes[6...]) == expectedEntry)
        let decoded = try ProducerStateSnapshot.decode(bytes, offset: 104)
        #expect(decoded.count == 1 && decoded[0].0 == 5)
        let entry = decoded[0].1
        #expect(entry.producerEpoch == 2 && entry.currentTxnFirstOffset == 100 && entry.lastTimestamp == 1234)
        #expect(entry.batches == [BatchMetadata(firstSequence: 10, lastSequence: 13, firstOffset: 100, lastOffset: 103, timestamp: 1234)])
        var flipped = bytes
        flipped[20] ^= 1
        #expect(throws: (any Error).self) { try ProducerStateSnapshot.decode(flipped, offset: 104) }
        #expect(throws: (any Error).self) { try ProducerStateSnapshot.decode(Array(bytes.dropLast()), offset: 104) }
        #expect(throws: (any Error).self) { try ProducerStateSnapshot.decode(bytes, offset: 103) }
    }

    /// Rule 4: a clean restart loads the snapshot written at close and replays nothing; without it, the one
    /// written at the last roll and only the active segment's batches.
    @Test func aRestartLoadsTheNewestSnapshotAndReplaysOnlyWhatFollows() throws {
        let log = try TestLogs.open(directory.path, config: Self.config)
        try TxnTestLog.writeMix(log, rounds: 10)
        let segments = log.segmentBaseOffsets
        #expect(segments.count > 4)
        #expect(try TxnTestLog.snapshotOffsets(directory.path) == Array(segments.dropFirst()), "one per roll")
        try log.close()
        let before = try Self.observe(log)

        let reopened = try TestLogs.open(directory.path, config: Self.config)
        #expect(reopened.state.withLock { $0.producerSnapshotLoaded } == before.logEndOffset)
        #expect(reopened.state.withLock { $0.batchesReplayedAtLoad } == 0)
        let after = try Self.observe(reopened)
        #expect(after.producers == before.producers)
        #expect(after.aborted == before.aborted)
        #expect(after.firstUnstableOffset == before.firstUnstableOffset)
        #expect(after.logEndOffset == before.logEndOffset)
        #expect(reopened.leaderEpochEntries == log.leaderEpochEntries)
        try reopened.close()

        ProducerStateSnapshot.delete(directory: directory.path, offset: before.logEndOffset)
        let fromRoll = try TestLogs.open(directory.path, config: Self.config)
        let active = try #require(segments.last)
        #expect(fromRoll.state.withLock { $0.producerSnapshotLoaded } == active)
        let activeBatches = try TestLogs.readBatches(fromRoll, from: active, maxBytes: 1 << 20).count
        #expect(fromRoll.state.withLock { $0.batchesReplayedAtLoad } == activeBatches)
        #expect(try Self.observe(fromRoll) == before)
        #expect(fromRoll.leaderEpochEntries == log.leaderEpochEntries)
        try fromRoll.close()
        #expect(try TxnTestLog.snapshotOffsets(directory.path).last == before.logEndOffset, "written again at close")
    }

    /// Kafka's `takeSnapshot` skips a snapshot when the log end has not moved since the last one (or from 0, for a
    /// new log): a broker stopping with thousands of idle logs writes (and fsyncs) none for them. Once the log
    /// moves, close writes one.
    @Test func aCloseWithNothingAppendedSinceTheSnapshotWritesNone() throws {
        let empty = try TestLogs.open(directory.path, config: Self.config)
        try empty.close()
        #expect(try TxnTestLog.snapshotOffsets(directory.path).isEmpty, "an empty log has nothing to replay")

        let log = try TestLogs.open(directory.path, config: Self.config)
        _ = try TxnTestLog.writeMix(log, rounds: 2)
        try log.close()
        let end = log.logEndOffset
        let path = LogFileNames.producerSnapshotFile(dir: directory.path, offset: end)
        let written = try Self.inode(path)

        let idle = try TestLogs.open(directory.path, config: Self.config)
        #expect(idle.state.withLock { $0.producerSnapshotLoaded } == end)
        try idle.close()
        #expect(try Self.inode(path) == written, "the snapshot at the unchanged log end is left as it was")

        let moved = try TestLogs.open(directory.path, config: Self.config)
        _ = try TestLogs.append(moved, counts: [3])
        try moved.close()
        #expect(moved.logEndOffset > end)
        #expect(try TxnTestLog.snapshotOffsets(directory.path).last == moved.logEndOffset)
        let reopened = try TestLogs.open(directory.path, config: Self.config)
        #expect(reopened.state.withLock { $0.producerSnapshotLoaded } == moved.logEndOffset)
        #expect(reopened.state.withLock { $0.batchesReplayedAtLoad } == 0)
        try reopened.close()
    }

    /// The file's inode: `AtomicFile.replace` renames a new file over the old one, so a rewrite changes it.
    private static func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.systemFileNumber] as? UInt64)
    }

    /// A snapshot that fails its check is deleted and the next older one is used.
    @Test func aCorruptSnapshotIsDeletedAndAnOlderOneUsed() throws {
        let log = try TestLogs.open(directory.path, config: Self.config)
        try TxnTestLog.writeMix(log, rounds: 8)
        try log.close()
        let before = try Self.observe(log)
        let offsets = try TxnTestLog.snapshotOffsets(directory.path)
        let newest = try #require(offsets.last)
        let older = offsets[offsets.count - 2]
        let path = LogFileNames.producerSnapshotFile(dir: directory.path, offset: newest)
        var bytes = try ScratchDirectory.bytes(path)
        bytes[bytes.count - 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let reopened = try TestLogs.open(directory.path, config: Self.config)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(reopened.state.withLock { $0.producerSnapshotLoaded } == older)
        #expect(try Self.observe(reopened) == before)
        try reopened.close()
    }

    /// Rules 4 and 6: after a crash, recovered segments get their `.txnindex` rebuilt (here all were lost), the
    /// snapshot used lies at or below the recovery point, and everything is as it was.
    @Test(arguments: [false, true])
    func aCrashRebuildsTheTxnIndexAndTheSameState(keepRecoveryPoint: Bool) throws {
        let log = try TestLogs.open(directory.path, config: Self.config)
        try TxnTestLog.writeMix(log, rounds: 10)
        try log.flush(upTo: log.segmentBaseOffsets[2])
        let recoveryPoint = keepRecoveryPoint ? log.recoveryPoint : 0
        let before = try Self.observe(log)
        // The crash: no close, so no snapshot at the log end; the .txnindex files are lost.
        for name in try TxnTestLog.txnIndexFiles(directory.path) {
            try FileManager.default.removeItem(atPath: directory.child(name))
        }
        let recovered = try TestLogs.open(
            directory.path, config: Self.config, recoveryPoint: recoveryPoint, hadCleanShutdown: false)
        let loadedFrom = recovered.state.withLock { $0.producerSnapshotLoaded }
        if keepRecoveryPoint {
            let snapshot = try #require(loadedFrom)
            #expect(snapshot <= recoveryPoint && snapshot > 0)
            // The segments below the recovery point are not recovered: their lost entries stay lost (as in Kafka).
            let kept = try recovered.collectAbortedTransactions(from: 0, upTo: .max)
            #expect(kept == before.aborted.filter { $0.lastOffset >= snapshot })
        } else {
            #expect(loadedFrom == nil, "nothing lies at or below recovery point 0")
            #expect(try Self.observe(recovered) == before)
        }
        #expect(TxnTestLog.view(recovered) == before.producers)
        recovered.onHighWatermarkUpdated(recovered.logEndOffset)
        #expect(recovered.firstUnstableOffset == before.firstUnstableOffset)
    }

    /// Rule 6 with a transaction still open at the crash: the restarted log holds back the LSO at the same place,
    /// and the producer can commit it.
    @Test func anOpenTransactionSurvivesACrash() throws {
        let log = try TestLogs.open(directory.path, config: Self.config)
        try TxnTestLog.writeMix(log, rounds: 4)
        let open = try TxnTestLog.append(log, TxnTestLog.batch(producerId: 8, sequence: 0)).firstOffset
        try TestLogs.append(log, counts: [3, 3, 3])
        let before = try Self.observe(log)
        #expect(before.firstUnstableOffset == min(open, log.producers[3]?.currentTxnFirstOffset ?? .max))
        let recovered = try TestLogs.open(directory.path, config: Self.config, hadCleanShutdown: false)
        #expect(try Self.observe(recovered) == before)
        try TxnTestLog.marker(recovered, producerId: 8, commit: true)
        recovered.onHighWatermarkUpdated(recovered.logEndOffset)
        #expect(recovered.firstUnstableOffset == recovered.producers[3]?.currentTxnFirstOffset)
    }
}
