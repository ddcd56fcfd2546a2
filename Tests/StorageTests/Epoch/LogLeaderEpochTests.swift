import Foundation
import GregorTestSupport
import KafkaProtocol
import NIOCore
import Storage
import Testing

/// The log keeps its leader epoch cache with appends, truncation and retention, and rebuilds it when opened.
@Suite("Log leader epochs")
struct LogLeaderEpochTests {
    private func appendAsLeader(_ log: Log, count: Int, epoch: Int32) throws {
        var buffer = ByteBuffer(bytes: TestBatches.selfDescribing(firstOffset: log.logEndOffset, count: count))
        _ = try log.appendAsLeader(&buffer, leaderEpoch: epoch)
    }

    private func pairs(_ log: Log) -> [[Int64]] { log.leaderEpochEntries.map { [Int64($0.epoch), $0.startOffset] } }

    @Test func leaderAppendsRecordTheirEpochAndTheCheckpointFollows() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try appendAsLeader(log, count: 3, epoch: 0)
        try appendAsLeader(log, count: 2, epoch: 0)
        try appendAsLeader(log, count: 4, epoch: 2)
        #expect(pairs(log) == [[0, 0], [2, 5]])
        #expect(try LeaderEpochCheckpointFile(partitionDirectory: directory.path).read() == log.leaderEpochEntries)
        #expect(log.endOffset(forEpoch: 0)! == (0, 5))
        #expect(log.endOffset(forEpoch: 1)! == (0, 5))
        #expect(log.endOffset(forEpoch: 2)! == (2, 9))
    }

    @Test func aNewLeaderEpochStartsAtTheLogEndBeforeAnyAppend() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs-leader")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try appendAsLeader(log, count: 3, epoch: 1)
        log.assignEpochStartOffset(epoch: 4, startOffset: log.logEndOffset)
        #expect(log.endOffset(forEpoch: 1)! == (1, 3))
        try log.close()
        // Reopened: the batches say nothing of epoch 4, the checkpoint does.
        let reopened = try TestLogs.open(directory.path)
        #expect(pairs(reopened) == [[1, 0], [4, 3]])
    }

    @Test func anEpochStartAtTheLogEndIsWrittenAtTheNextCheckpointOrFlushNotAtOnce() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs-deferred")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        let file = LeaderEpochCheckpointFile(partitionDirectory: directory.path)
        try appendAsLeader(log, count: 3, epoch: 1)
        #expect(try file.read() == [EpochEntry(epoch: 1, startOffset: 0)])

        log.assignEpochStartOffset(epoch: 4, startOffset: log.logEndOffset)
        #expect(pairs(log) == [[1, 0], [4, 3]])
        #expect(try file.read() == [EpochEntry(epoch: 1, startOffset: 0)])
        log.checkpointLeaderEpochs()
        #expect(try file.read() == log.leaderEpochEntries)

        // A flush with nothing to flush still writes it.
        log.assignEpochStartOffset(epoch: 6, startOffset: log.logEndOffset)
        try log.flush()
        #expect(try file.read() == log.leaderEpochEntries)
        #expect(pairs(log) == [[1, 0], [6, 3]])
        try log.close()
    }

    @Test func followerAppendsTakeTheLeadersEpochsFromTheBatches() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs-follower")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        var bytes: [UInt8] = []
        for (base, epoch) in [(Int64(0), Int32(3)), (2, 3), (4, 7)] {
            bytes += TestBatches.batch(
                baseOffset: base, baseTimestamp: TestLogs.baseTimestamp,
                records: [.init(value: [1]), .init(value: [2])], partitionLeaderEpoch: epoch)
        }
        var buffer = ByteBuffer(bytes: bytes)
        _ = try log.appendAsFollower(&buffer)
        #expect(pairs(log) == [[3, 0], [7, 4]])
    }

    @Test func truncationRemovesEpochsBeyondTheNewEnd() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs-truncate")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try appendAsLeader(log, count: 3, epoch: 0)
        try appendAsLeader(log, count: 3, epoch: 1)
        try appendAsLeader(log, count: 3, epoch: 2)
        try log.truncate(to: 6)
        #expect(pairs(log) == [[0, 0], [1, 3]])
        #expect(try LeaderEpochCheckpointFile(partitionDirectory: directory.path).read() == log.leaderEpochEntries)
        try log.truncateFullyAndStart(at: 20)
        #expect(log.leaderEpochEntries.isEmpty)
    }

    @Test func advancingTheLogStartMovesTheFirstEpoch() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs-start")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try appendAsLeader(log, count: 3, epoch: 0)
        try appendAsLeader(log, count: 3, epoch: 1)
        try log.deleteRecords(before: 4)
        #expect(pairs(log) == [[1, 4]])
    }

    @Test func openingRebuildsTheCacheFromTheBatchesWhateverTheCheckpointSays() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-epochs-rebuild")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try appendAsLeader(log, count: 3, epoch: 0)
        try appendAsLeader(log, count: 3, epoch: 5)
        try log.close()
        // A checkpoint that lost the last entry (and one with an epoch the log no longer has) is corrected.
        try LeaderEpochCheckpointFile(partitionDirectory: directory.path).write([
            EpochEntry(epoch: 0, startOffset: 0), EpochEntry(epoch: 9, startOffset: 100),
        ])
        let reopened = try TestLogs.open(directory.path, hadCleanShutdown: false)
        #expect(pairs(reopened) == [[0, 0], [5, 3]])
        #expect(try LeaderEpochCheckpointFile(partitionDirectory: directory.path).read() == reopened.leaderEpochEntries)
    }

    @Test func followersAcceptBatchesAboveTheirOwnMaxMessageBytes() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-follower-size")
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.maxMessageBytes = 100
        let log = try TestLogs.open(directory.path, config: config)
        let bytes = TestBatches.batch(
            baseOffset: 0, baseTimestamp: TestLogs.baseTimestamp, records: [.init(value: Array(repeating: 7, count: 500))],
            partitionLeaderEpoch: 1)
        var asLeader = ByteBuffer(bytes: TestBatches.batch(
            baseTimestamp: TestLogs.baseTimestamp, records: [.init(value: Array(repeating: 7, count: 500))]))
        #expect(throws: StorageError.self) { _ = try log.appendAsLeader(&asLeader, leaderEpoch: 1) }
        var asFollower = ByteBuffer(bytes: bytes)
        _ = try log.appendAsFollower(&asFollower)
        #expect(log.logEndOffset == 1)
    }
}
