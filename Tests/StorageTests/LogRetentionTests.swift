import KafkaProtocol
import Foundation
import GregorTestSupport
import Storage
import Testing

/// `Log` retention, DeleteRecords, truncation and lookups by timestamp, with injected clocks.
@Suite("Log: retention, truncation, timestamps")
struct LogRetentionTests {
    let directory: URL
    var path: String { directory.path }
    static let hourMs: Int64 = 3_600_000

    init() throws {
        directory = try TemporaryDirectory.make(prefix: "log-retention")
    }

    static var smallSegments: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 4 * 1024
        config.retentionMs = hourMs
        return config
    }

    // MARK: retention

    @Test("time retention deletes every expired segment, the active one after a roll, and moves the log start")
    func retentionByTime() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path, config: Self.smallSegments)
        let t = TestLogs.baseTimestamp
        try TestLogs.append(log, counts: Array(repeating: 10, count: 40), timestamp: t)
        let oldEnd = log.logEndOffset
        try log.roll()
        try TestLogs.append(log, counts: Array(repeating: 10, count: 20), timestamp: t + 2 * Self.hourMs)
        #expect(log.numberOfSegments > 4)

        #expect(try log.deleteOldSegments(nowMs: t + Self.hourMs / 2) == 0)
        #expect(log.logStartOffset == 0)

        // Only the older data is past retention.
        #expect(try log.deleteOldSegments(nowMs: t + 2 * Self.hourMs + 60_000) > 0)
        #expect(log.logStartOffset == oldEnd)
        #expect(log.segmentBaseOffsets.first == oldEnd)
        #expect { try log.read(from: oldEnd - 1, maxBytes: 1) } throws: { TestLogs.isStorageError($0, code: 1) }
        try LogConsistency.check(log)

        // Everything is past retention: the active segment rolls so that its data can go too.
        let end = log.logEndOffset
        #expect(try log.deleteOldSegments(nowMs: t + 10 * Self.hourMs) > 0)
        #expect(log.segmentBaseOffsets == [end])
        #expect(log.logStartOffset == end)
        #expect(log.logEndOffset == end)
        #expect(try log.read(from: end, maxBytes: 100).sizeInBytes == 0)
        #expect(try TestLogs.fileNames(in: path).filter { $0.hasSuffix(".log") } == [TestLogs.segmentFileName(end, ".log")])
        #expect(try TestLogs.append(log, counts: [4])[0].firstOffset == end)
        try LogConsistency.check(log)
    }

    @Test("size retention deletes the oldest segments while the rest still holds retention.bytes")
    func retentionBySize() throws {
        defer { TemporaryDirectory.remove(directory) }
        var config = Self.smallSegments
        config.retentionBytes = 20 * 1024
        let log = try TestLogs.open(path, config: config)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 150))
        #expect(log.sizeInBytes > 3 * 20 * 1024)

        #expect(try log.deleteOldSegments(nowMs: TestLogs.baseTimestamp) > 0)
        let first = try #require(log.segmentBaseOffsets.first)
        let firstSize = try TestLogs.fileSize(path + "/" + TestLogs.segmentFileName(first, ".log"))
        #expect(log.sizeInBytes >= 20 * 1024)
        #expect(log.sizeInBytes - firstSize < 20 * 1024)
        #expect(log.logStartOffset == first)
        #expect { try log.read(from: first - 1, maxBytes: 1) } throws: { TestLogs.isStorageError($0, code: 1) }
        try LogConsistency.check(log)
        #expect(try log.deleteOldSegments(nowMs: TestLogs.baseTimestamp) == 0)
    }

    @Test("deleteRecords moves the log start: reads below it are out of range, whole segments below it go")
    func deleteRecordsBefore() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path, config: Self.smallSegments)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 50))
        #expect(try log.deleteRecords(before: 35) == 35)
        #expect(log.logStartOffset == 35)
        #expect { try log.read(from: 34, maxBytes: 1) } throws: { TestLogs.isStorageError($0, code: 1) }
        #expect(try TestLogs.readBatches(log, from: 35, maxBytes: 1).map(\.offsets) == [30...39])
        #expect(try log.deleteRecords(before: 20) == 35)
        #expect { try log.deleteRecords(before: log.logEndOffset + 1) } throws: { TestLogs.isStorageError($0, code: 1) }

        let bases = log.segmentBaseOffsets
        try #require(bases.count > 3)
        #expect(try log.deleteRecords(before: bases[2] + 1) == bases[2] + 1)
        #expect(try log.deleteOldSegments(nowMs: TestLogs.baseTimestamp) == 2)
        #expect(log.segmentBaseOffsets == Array(bases.dropFirst(2)))
        #expect(log.logStartOffset == bases[2] + 1)
        try LogConsistency.check(log)
    }

    @Test("deleteSegmentsBelowLogStart removes at once exactly the whole segments below the log start, never the active one")
    func segmentsBelowTheLogStartGoAtOnce() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path, config: Self.smallSegments)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 50))
        let bases = log.segmentBaseOffsets
        try #require(bases.count > 4)
        #expect(try log.deleteSegmentsBelowLogStart() == 0)
        try log.deleteRecords(before: bases[3])
        #expect(try log.deleteSegmentsBelowLogStart() == 3)
        #expect(log.segmentBaseOffsets == Array(bases.dropFirst(3)))
        #expect(!FileManager.default.fileExists(atPath: path + "/" + TestLogs.segmentFileName(bases[2], ".log")))
        #expect(log.logStartOffset == bases[3])
        // Up to the log end: everything but the active segment goes; the log start stays where it was set.
        let end = log.logEndOffset
        try log.deleteRecords(before: end)
        let segments = log.segmentBaseOffsets.count
        #expect(try log.deleteSegmentsBelowLogStart() == segments - 1)
        #expect(log.segmentBaseOffsets.count == 1)
        #expect(log.logStartOffset == end)
        #expect(try TestLogs.readBatches(log, from: end, maxBytes: 1_000).isEmpty)
        try LogConsistency.check(log)
    }

    // MARK: timestamps

    @Test("lookups by timestamp find the first record at or after the time, also at segment boundaries")
    func offsetByTimestamp() throws {
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentBytes = 1024
        config.indexIntervalBytes = 1
        let log = try TestLogs.open(path, config: config)
        let t = TestLogs.baseTimestamp
        // Batch i: offsets 3i..3i+2, timestamps t + 100i + {0, 1, 2}.
        for i in 0..<40 {
            try TestLogs.append(log, counts: [3], timestamp: t + 100 * Int64(i))
        }
        let bases = log.segmentBaseOffsets
        #expect(bases.count > 4)
        for base in bases {
            let i = base / 3
            let batchTime = t + 100 * i
            #expect(try log.fetchOffset(byTimestamp: batchTime)?.offset == base)
            #expect(try log.fetchOffset(byTimestamp: batchTime)?.timestamp == batchTime)
            #expect(try log.fetchOffset(byTimestamp: batchTime - 50)?.offset == base)
            // Inside the batch: the exact record, not the batch's base offset.
            #expect(try log.fetchOffset(byTimestamp: batchTime + 1)?.offset == base + 1)
            #expect(try log.fetchOffset(byTimestamp: batchTime + 2)?.offset == base + 2)
            #expect(try log.fetchOffset(byTimestamp: batchTime + 2)?.timestamp == batchTime + 2)
            // Just after this batch's max: the next batch.
            #expect(try log.fetchOffset(byTimestamp: batchTime + 3)?.offset == base + 3)
            if base > 0 { #expect(try log.fetchOffset(byTimestamp: batchTime - 97)?.offset == base) }
        }
        #expect(try log.fetchOffset(byTimestamp: t - 1_000)?.offset == 0)
        #expect(try log.fetchOffset(byTimestamp: t + 100 * 39 + 2)?.offset == 119)
        #expect(try log.fetchOffset(byTimestamp: t + 100 * 40) == nil)
        // Records before the log start offset do not count, even inside a batch that is still stored.
        try log.deleteRecords(before: 7)
        #expect(try log.fetchOffset(byTimestamp: t)?.offset == 7)
        #expect(try log.fetchOffset(byTimestamp: t)?.timestamp == t + 201)
    }

    // MARK: truncation

    @Test("truncate inside the active segment removes whole batches; appends continue there")
    func truncateWithinSegment() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 10))
        try log.truncate(to: 50)
        #expect(log.logEndOffset == 50)
        #expect(try TestLogs.append(log, counts: [4])[0].firstOffset == 50)
        try LogConsistency.check(log)
        // An offset inside a batch: that batch goes whole.
        try log.truncate(to: 33)
        #expect(log.logEndOffset == 30)
        #expect(log.recoveryPoint <= 30)
        try log.truncate(to: 1_000)
        #expect(log.logEndOffset == 30)
        #expect(try TestLogs.append(log, counts: [6])[0].firstOffset == 30)
        try LogConsistency.check(log)
        try log.truncate(to: 0)
        #expect(log.logEndOffset == 0)
        #expect(try TestLogs.append(log, counts: [2])[0].firstOffset == 0)
        try LogConsistency.check(log)
    }

    @Test("truncate into an older segment deletes the segments after it")
    func truncateAcrossSegments() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path, config: Self.smallSegments)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 60))
        let bases = log.segmentBaseOffsets
        try #require(bases.count > 4)
        let target = bases[1] + 10
        try log.truncate(to: target)
        #expect(log.logEndOffset == target)
        #expect(log.segmentBaseOffsets == Array(bases.prefix(2)))
        let logFiles = try TestLogs.fileNames(in: path).filter { $0.hasSuffix(".log") }
        #expect(logFiles == bases.prefix(2).map { TestLogs.segmentFileName($0, ".log") })
        #expect(try TestLogs.append(log, counts: [5])[0].firstOffset == target)
        try LogConsistency.check(log)
    }

    @Test("truncateFullyAndStart empties the log and restarts it at the given offset")
    func truncateFullyAndStart() throws {
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(path, config: Self.smallSegments)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 30))
        try log.truncateFullyAndStart(at: 1_000)
        #expect(log.logStartOffset == 1_000)
        #expect(log.logEndOffset == 1_000)
        #expect(log.segmentBaseOffsets == [1_000])
        #expect(try TestLogs.fileNames(in: path).filter { $0.hasSuffix(".log") } == ["00000000000000001000.log"])
        #expect { try log.read(from: 999, maxBytes: 1) } throws: { TestLogs.isStorageError($0, code: 1) }
        #expect(try TestLogs.append(log, counts: [3])[0].firstOffset == 1_000)
        try LogConsistency.check(log)
        try log.close()
        let reopened = try TestLogs.open(path, config: Self.smallSegments, recoveryPoint: log.recoveryPoint)
        #expect(reopened.logStartOffset == 1_000)
        #expect(reopened.logEndOffset == 1_003)
    }
}
