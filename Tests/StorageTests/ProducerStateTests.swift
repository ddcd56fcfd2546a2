import Foundation
import GregorTestSupport
import KafkaProtocol
import NIOCore
import Storage
import Testing

/// Idempotent producers against a real log: duplicates, sequence gaps and zombie epochs, and the state surviving
/// reopen and following truncation, retention and follower appends.
@Suite("Idempotent producer state of a log")
struct ProducerStateTests {
    static let outOfOrder = ErrorCode.outOfOrderSequenceNumber.rawValue
    static let invalidEpoch = ErrorCode.invalidProducerEpoch.rawValue

    /// A producer's batch of `count` records with sequences from `sequence`.
    static func batch(producerId: Int64 = 1000, epoch: Int16 = 0, sequence: Int32, count: Int = 3) -> [UInt8] {
        var builder = RecordBatchBuilder(
            baseTimestamp: TestLogs.baseTimestamp, producerId: producerId, producerEpoch: epoch, baseSequence: sequence)
        for i in 0..<count { builder.append(key: nil, value: Array("record \(sequence) + \(i)".utf8)) }
        return builder.build()
    }

    @discardableResult
    static func append(_ log: Log, _ bytes: [UInt8]) throws -> LogAppendInfo {
        var buffer = ByteBuffer(bytes: bytes)
        return try log.appendAsLeader(&buffer, leaderEpoch: 0)
    }

    static func expectRefused(_ log: Log, _ bytes: [UInt8], code: Int16, sourceLocation: SourceLocation = #_sourceLocation) {
        let end = log.logEndOffset
        let size = log.sizeInBytes
        let error = #expect(throws: StorageError.self, sourceLocation: sourceLocation) { try append(log, bytes) }
        #expect(error?.errorCode.rawValue == code, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(log.logEndOffset == end && log.sizeInBytes == size, "nothing written", sourceLocation: sourceLocation)
    }

    @Test func aRetryOfARecentBatchIsAnsweredWithTheOriginalOffsets() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-dup")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try TestLogs.append(log, counts: [2])  // a non-idempotent batch first, at offsets 0-1
        let first = Self.batch(sequence: 0)
        let second = Self.batch(sequence: 3, count: 2)
        let original = try Self.append(log, first)
        let originalSecond = try Self.append(log, second)
        #expect(original.firstOffset == 2 && original.lastOffset == 4 && !original.isDuplicate)
        let end = log.logEndOffset
        let size = log.sizeInBytes

        for (retry, expected) in [(first, original), (second, originalSecond)] {
            let info = try Self.append(log, retry)
            #expect(info.isDuplicate)
            #expect(info.firstOffset == expected.firstOffset && info.lastOffset == expected.lastOffset)
            #expect(info.logAppendTimeMs == -1, "CreateTime: no append time to report")
        }
        #expect(log.logEndOffset == end && log.sizeInBytes == size, "a duplicate writes nothing")
        let stored = try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20)
        #expect(stored.map(\.baseOffset) == [0, 2, 5])
        try Self.append(log, Self.batch(sequence: 5))  // and the producer carries on
        #expect(log.logEndOffset == end + 3)
    }

    /// Only the last five batches are remembered: a retry of an older one is out of order (as in Kafka).
    @Test func onlyTheLastFiveBatchesAreRecognised() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-five")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        for i in 0..<7 { try Self.append(log, Self.batch(sequence: Int32(i) * 3)) }
        let entry = try #require(log.producers[1000])
        #expect(entry.batches.map(\.firstSequence) == [6, 9, 12, 15, 18])
        #expect(entry.lastSequence == 20 && entry.lastOffset == 20)
        #expect(try Self.append(log, Self.batch(sequence: 6)).isDuplicate)
        Self.expectRefused(log, Self.batch(sequence: 3), code: Self.outOfOrder)
    }

    @Test func aGapOrARestartInTheSequenceIsOutOfOrder() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-seq")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try Self.append(log, Self.batch(sequence: 0))  // sequences 0-2
        Self.expectRefused(log, Self.batch(sequence: 4), code: Self.outOfOrder)
        Self.expectRefused(log, Self.batch(sequence: 0, count: 2), code: Self.outOfOrder)  // overlaps, not a retry
        Self.expectRefused(log, Self.batch(sequence: 2), code: Self.outOfOrder)
        try Self.append(log, Self.batch(sequence: 3))
        // Another producer's sequences are its own.
        try Self.append(log, Self.batch(producerId: 1001, sequence: 0))
    }

    @Test func anOlderEpochIsFencedAndANewEpochStartsAtZero() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-epoch")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try Self.append(log, Self.batch(epoch: 1, sequence: 0))
        Self.expectRefused(log, Self.batch(epoch: 0, sequence: 3), code: Self.invalidEpoch)
        Self.expectRefused(log, Self.batch(epoch: 2, sequence: 3), code: Self.outOfOrder)
        try Self.append(log, Self.batch(epoch: 2, sequence: 0))
        #expect(log.producers[1000]?.producerEpoch == 2)
        #expect(log.producers[1000]?.batches.count == 1, "a new epoch starts afresh")
        Self.expectRefused(log, Self.batch(epoch: 1, sequence: 3), code: Self.invalidEpoch)
        // The old epoch's batch is no longer recognised as a retry either.
        Self.expectRefused(log, Self.batch(epoch: 1, sequence: 0), code: Self.invalidEpoch)
    }

    /// A producer id the log has no state for (new, or its batches removed by retention) may start anywhere.
    @Test func anUnknownProducerIsAcceptedAtAnySequence() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-unknown")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try Self.append(log, Self.batch(epoch: 4, sequence: 500))
        try Self.append(log, Self.batch(epoch: 4, sequence: 503))
        #expect(log.producers[1000]?.lastSequence == 505)
    }

    @Test func sequencesWrapAfterInt32Max() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-wrap")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try Self.append(log, Self.batch(sequence: .max - 3, count: 2))  // max-3 ... max-2
        try Self.append(log, Self.batch(sequence: .max - 1, count: 4))  // max-1, max, 0, 1
        #expect(log.producers[1000]?.lastSequence == 1)
        #expect(try Self.append(log, Self.batch(sequence: .max - 1, count: 4)).isDuplicate)
        try Self.append(log, Self.batch(sequence: 2))
        try Self.append(log, Self.batch(producerId: 7, sequence: .max, count: 1))
        try Self.append(log, Self.batch(producerId: 7, sequence: 0, count: 1))
    }

    /// Batches without a producer id (-1) are never checked: the same bytes twice are two appends.
    @Test func nonIdempotentBatchesSkipTheChecks() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-none")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        let plain = TestBatches.selfDescribing(firstOffset: 0, count: 3)
        try Self.append(log, plain)
        #expect(try !Self.append(log, plain).isDuplicate)
        #expect(log.logEndOffset == 6)
        #expect(log.producers.isEmpty)
    }

    @Test(arguments: [true, false])
    func stateIsRebuiltWhenTheLogIsOpenedAgain(cleanShutdown: Bool) throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-reopen")
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentBytes = 400  // several segments, so the rebuild crosses segment boundaries
        let log = try TestLogs.open(directory.path, config: config)
        var infos: [LogAppendInfo] = []
        for i in 0..<6 {
            try TestLogs.append(log, counts: [1])
            infos.append(try Self.append(log, Self.batch(sequence: Int32(i) * 3)))
        }
        try Self.append(log, Self.batch(producerId: 2000, epoch: 3, sequence: 0))
        #expect(log.numberOfSegments > 2)
        let before = log.producers
        try log.close()

        let reopened = try TestLogs.open(directory.path, config: config, hadCleanShutdown: cleanShutdown)
        defer { try? reopened.close() }
        // A clean shutdown leaves a producer snapshot, which (as Kafka's) keeps only each producer's last batch;
        // after a crash the state is replayed from the log and holds the last five again.
        #expect(reopened.producers.mapValues { [$0.producerEpoch: $0.batches.last] } == before.mapValues { [$0.producerEpoch: $0.batches.last] })
        #expect(cleanShutdown || reopened.producers == before)
        let retry = try Self.append(reopened, Self.batch(sequence: 15))
        #expect(retry.isDuplicate && retry.firstOffset == infos[5].firstOffset)
        Self.expectRefused(reopened, Self.batch(sequence: 19), code: Self.outOfOrder)
        Self.expectRefused(reopened, Self.batch(producerId: 2000, epoch: 2, sequence: 3), code: Self.invalidEpoch)
        try Self.append(reopened, Self.batch(sequence: 18))
    }

    @Test func truncationForgetsTheBatchesItRemoves() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-truncate")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        var infos: [LogAppendInfo] = []
        for i in 0..<8 { infos.append(try Self.append(log, Self.batch(sequence: Int32(i) * 3))) }
        let fenced = try Self.append(log, Self.batch(producerId: 2000, epoch: 1, sequence: 0))
        try log.truncate(to: infos[6].firstOffset)  // removes batches 6 and 7 of 1000, and 2000's only batch
        #expect(log.logEndOffset == infos[6].firstOffset && fenced.firstOffset > infos[6].firstOffset)

        // Batch 1 is among the last five again (it had dropped out before the truncation).
        let entry = try #require(log.producers[1000])
        #expect(entry.batches.map(\.firstSequence) == [3, 6, 9, 12, 15])
        #expect(try Self.append(log, Self.batch(sequence: 3)).firstOffset == infos[1].firstOffset)
        // The removed batch 6 is new again, not a duplicate; producer 2000 is unknown again.
        #expect(try !Self.append(log, Self.batch(sequence: 18)).isDuplicate)
        #expect(log.producers[2000] == nil)
        try Self.append(log, Self.batch(producerId: 2000, epoch: 0, sequence: 9))

        try log.truncateFullyAndStart(at: 100)
        #expect(log.producers.isEmpty)
    }

    /// What a follower copies from its leader becomes its producer state, so it can take over as leader.
    @Test func followerAppendsUpdateTheStateUnchecked() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-follower")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        // Two batches in one fetch, the second with an older epoch than the first: a follower does not judge.
        var fetched = ByteBuffer(
            bytes: Self.batch(epoch: 5, sequence: 0).withBaseOffset(0) + Self.batch(epoch: 4, sequence: 7).withBaseOffset(3))
        _ = try log.appendAsFollower(&fetched)
        #expect(log.producers[1000]?.producerEpoch == 4)
        #expect(log.producers[1000]?.lastSequence == 9)
        let retry = try Self.append(log, Self.batch(epoch: 4, sequence: 7))
        #expect(retry.isDuplicate && retry.firstOffset == 3)
        try Self.append(log, Self.batch(epoch: 4, sequence: 10))
    }

    /// When retention or DeleteRecords moves the log start past a producer's last batch, its state goes too.
    @Test func producersBelowTheLogStartAreForgotten() throws {
        let directory = try TemporaryDirectory.make(prefix: "pid-retention")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try Self.append(log, Self.batch(producerId: 1, sequence: 0))
        try Self.append(log, Self.batch(producerId: 2, sequence: 0))
        try log.deleteRecords(before: 3)
        #expect(Set(log.producers.keys) == [2])
        try Self.append(log, Self.batch(producerId: 1, sequence: 40))  // unknown again: any sequence
        try log.close()
        let reopened = try TestLogs.open(directory.path, logStartOffset: 3)
        defer { try? reopened.close() }
        #expect(Set(reopened.producers.keys) == [1, 2])
        #expect(reopened.producers[1]?.lastSequence == 42)
    }
}
