import KafkaProtocol
import Foundation
import GregorTestSupport
import NIOCore
import Storage
import Testing

/// `Log` append, read, roll and reopen on real files in temp dirs.
@Suite("Log: append, read, roll")
struct LogTests {
    let directory: URL
    var path: String { directory.path }

    init() throws {
        directory = try TemporaryDirectory.make(prefix: "log")
    }

    // MARK: append and read

    @Test("an appended batch reads back byte for byte, with the offsets and leader epoch the log assigned")
    func appendReadRoundTrip() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        let records = [
            TestBatches.Record(key: [1, 2], value: [3]),
            TestBatches.Record(timestampDelta: 5, key: nil, value: nil),
            TestBatches.Record(timestampDelta: 2, key: [], value: []),
        ]
        let bytes = TestBatches.batch(baseTimestamp: TestLogs.baseTimestamp, records: records)
        for expectedBase: Int64 in [0, 3] {
            var buffer = ByteBuffer(bytes: bytes)
            let info = try log.appendAsLeader(&buffer, leaderEpoch: 7)
            #expect(info.firstOffset == expectedBase)
            #expect(info.lastOffset == expectedBase + 2)
            #expect(info.maxTimestamp == TestLogs.baseTimestamp + 5)
            #expect(info.batchCount == 1)
            #expect(info.sizeInBytes == bytes.count)
        }
        #expect(log.logEndOffset == 6)

        let read = try log.read(from: 3, maxBytes: 1 << 20)
        #expect(read.logStartOffset == 0)
        #expect(read.logEndOffset == 6)
        let returned = try #require(try read.records?.readBytes())
        #expect(returned.count == bytes.count)
        // Offsets and leader epoch were rewritten; everything the CRC covers is untouched.
        #expect(returned[16...] == bytes[16...])
        let batch = try #require(try TestBatchReader.batches(in: returned).first)
        #expect(batch.baseOffset == 3)
        #expect(batch.partitionLeaderEpoch == 7)
        #expect(batch.crcIsValid)
        #expect(batch.records == records)
    }

    @Test("offsets are contiguous across appends; a producer's two batches are refused, a follower's kept")
    func offsetsContiguousAcrossAppends() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        var expected: Int64 = 0
        for count in [1, 7, 50, 2, 33, 1, 1, 19] {
            let info = try #require(try TestLogs.append(log, counts: [count]).first)
            #expect(info.firstOffset == expected)
            #expect(info.lastOffset == expected + Int64(count) - 1)
            expected += Int64(count)
        }
        // A producer may send one batch per partition only (Kafka's rule for magic 2); a second is refused whole.
        var two = ByteBuffer(
            bytes: TestBatches.selfDescribing(firstOffset: expected, count: 2)
                + TestBatches.selfDescribing(firstOffset: expected + 2, count: 5))
        #expect { try log.appendAsLeader(&two, leaderEpoch: 0) } throws: { TestLogs.isStorageError($0, code: 87) }
        #expect(log.logEndOffset == expected)

        // A follower's copy keeps its leader's offsets, and may carry several batches.
        var copied = ByteBuffer(
            bytes: TestBatches.selfDescribing(firstOffset: expected, count: 2).withBaseOffset(expected)
                + TestBatches.selfDescribing(firstOffset: expected + 2, count: 5).withBaseOffset(expected + 2))
        let info = try log.appendAsFollower(&copied)
        #expect(info.firstOffset == expected)
        #expect(info.lastOffset == expected + 6)
        #expect(info.batchCount == 2)
        expected += 7
        var stale = ByteBuffer(bytes: TestBatches.selfDescribing(firstOffset: 3, count: 2).withBaseOffset(3))
        #expect { try log.appendAsFollower(&stale) } throws: { TestLogs.isStorageError($0, code: 87) }
        #expect(log.logEndOffset == expected)
        let report = try LogConsistency.check(log)
        #expect(report.records == expected)
    }

    @Test("a read from an offset inside a batch returns that whole batch first")
    func readFromMiddleOffset() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 10))
        #expect(try TestLogs.readBatches(log, from: 45, maxBytes: 1).map(\.offsets) == [40...49])
        let all = try TestLogs.readBatches(log, from: 45, maxBytes: 1 << 20)
        #expect(all.map(\.baseOffset) == [40, 50, 60, 70, 80, 90])
        #expect(try TestLogs.readBatches(log, from: 99, maxBytes: 1 << 20).map(\.offsets) == [90...99])
    }

    @Test("maxBytes returns whole batches only, and at least the first batch whole (KIP-74)")
    func maxBytesWholeBatches() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        try TestLogs.append(log, counts: Array(repeating: 20, count: 6))
        let sizes = try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20).map(\.size)
        try #require(sizes.count == 6)
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: sizes[0] + sizes[1]).count == 2)
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: sizes[0] + sizes[1] + sizes[2] / 2).count == 2)
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: sizes[0] + sizes[1] - 1).count == 1)
        // The first batch is larger than maxBytes: still returned, whole.
        #expect(try TestLogs.readBatches(log, from: 20, maxBytes: 10).map(\.offsets) == [20...39])
        #expect(try TestLogs.readBatches(log, from: 20, maxBytes: 10, minOneBatch: false).isEmpty)
        let read = try log.read(from: 0, maxBytes: sizes[0] + sizes[1] + 5)
        #expect(read.sizeInBytes == sizes[0] + sizes[1])
    }

    @Test("upTo never lets a batch at or beyond the limit through")
    func upToLimit() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 5))
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20, upTo: 20).map(\.baseOffset) == [0, 10])
        // The batch holding the limit is held back whole.
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20, upTo: 25).map(\.baseOffset) == [0, 10])
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20, upTo: 21).map(\.baseOffset) == [0, 10])
        #expect(try TestLogs.readBatches(log, from: 12, maxBytes: 1 << 20, upTo: 10).isEmpty)
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20, upTo: 0).isEmpty)
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20, upTo: 50).count == 5)
        #expect(try TestLogs.readBatches(log, from: 0, maxBytes: 1 << 20, upTo: 1_000).count == 5)
    }

    @Test("offsets outside [log start, log end] are out of range; the log end itself reads empty")
    func outOfRange() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        try TestLogs.append(log, counts: [5, 5])
        for offset: Int64 in [11, 1_000, -1, .min, .max] {
            #expect { try log.read(from: offset, maxBytes: 100) } throws: { TestLogs.isStorageError($0, code: 1) }
        }
        let atEnd = try log.read(from: 10, maxBytes: 100)
        #expect(atEnd.sizeInBytes == 0)
        #expect(atEnd.logEndOffset == 10)
    }

    // MARK: rolling

    @Test("segments roll by size and are named by their 20-digit base offsets")
    func rollBySize() throws {
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentBytes = 8 * 1024
        let log = try TestLogs.open(path, config: config)
        try TestLogs.append(log, counts: Array(repeating: 20, count: 100))
        let bases = log.segmentBaseOffsets
        #expect(bases.count > 10)
        #expect(log.numberOfSegments == bases.count)
        let names = try TestLogs.fileNames(in: path)
        for suffix in [".log", ".index", ".timeindex"] {
            #expect(names.filter { $0.hasSuffix(suffix) } == bases.map { TestLogs.segmentFileName($0, suffix) })
        }
        for base in bases {
            #expect(try TestLogs.fileSize(path + "/" + TestLogs.segmentFileName(base, ".log")) <= config.segmentBytes)
        }
        #expect(TestLogs.segmentFileName(1234, ".log") == "00000000000000001234.log")
        try LogConsistency.check(log)
    }

    @Test("a segment older than segment.ms rolls at the next append; a young one does not")
    func rollByTime() async throws {
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentMs = 1
        let log = try TestLogs.open(path, config: config)
        try TestLogs.append(log, counts: [3])
        // A time rule: waiting longer than segment.ms can only make the roll more certain.
        try await Task.sleep(for: .milliseconds(20))
        try TestLogs.append(log, counts: [3])
        #expect(log.segmentBaseOffsets == [0, 3])

        let young = try TestLogs.open(path + "-young")
        defer { try? FileManager.default.removeItem(atPath: path + "-young") }
        try TestLogs.append(young, counts: [3])
        try await Task.sleep(for: .milliseconds(20))
        try TestLogs.append(young, counts: [3])
        #expect(young.segmentBaseOffsets == [0])
    }

    @Test("a segment whose index is full rolls even when its log file is small")
    func rollOnIndexFull() throws {
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.maxIndexSizeBytes = 64
        config.indexIntervalBytes = 1
        let log = try TestLogs.open(path, config: config)
        try TestLogs.append(log, counts: Array(repeating: 1, count: 40))
        #expect(log.numberOfSegments >= 4)
        try LogConsistency.check(log)
        try log.close()
        for base in log.segmentBaseOffsets {
            #expect(try TestLogs.fileSize(path + "/" + TestLogs.segmentFileName(base, ".index")) <= 64)
            #expect(try TestLogs.fileSize(path + "/" + TestLogs.segmentFileName(base, ".timeindex")) <= 64)
        }
    }

    // MARK: reopening

    @Test("a clean close and reopen keeps every batch, segment and offset")
    func cleanCloseAndReopen() throws {
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentBytes = 4 * 1024
        let log = try TestLogs.open(path, config: config)
        try TestLogs.append(log, counts: (0..<60).map { 1 + $0 % 13 })
        let before = try LogConsistency.check(log)
        try log.close()
        #expect(log.recoveryPoint == log.logEndOffset)

        let reopened = try TestLogs.open(path, config: config, recoveryPoint: log.recoveryPoint, hadCleanShutdown: true)
        #expect(reopened.logEndOffset == log.logEndOffset)
        #expect(reopened.logStartOffset == 0)
        #expect(reopened.recoveryPoint == log.recoveryPoint)
        #expect(reopened.segmentBaseOffsets == log.segmentBaseOffsets)
        let after = try LogConsistency.check(reopened)
        #expect(after.batches.map(\.offsets) == before.batches.map(\.offsets))
        #expect(after.batches.map(\.storedCRC) == before.batches.map(\.storedCRC))
        let appended = try TestLogs.append(reopened, counts: [2])
        #expect(appended[0].firstOffset == log.logEndOffset)
        try reopened.close()

        // A checkpointed log start offset inside the first segment is kept.
        let withStart = try TestLogs.open(path, config: config, recoveryPoint: reopened.recoveryPoint, logStartOffset: 17)
        #expect(withStart.logStartOffset == 17)
        #expect { try withStart.read(from: 16, maxBytes: 1) } throws: { TestLogs.isStorageError($0, code: 1) }
        try withStart.close()
    }
}
