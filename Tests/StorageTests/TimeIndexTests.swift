import KafkaProtocol
import Foundation
import Testing

@testable import Storage

@Suite struct TimeIndexTests {
    /// Per test: Swift Testing makes a new suite instance for each test and keeps it alive until the test ends.
    private let dir: ScratchDirectory

    init() throws {
        dir = try ScratchDirectory("storage-index")
    }

    private func makeIndex(base: Int64 = 0, entries: Int = 30) throws -> TimeIndex {
        try TimeIndex(
            file: LogFileNames.timeIndexFile(dir: dir.path, offset: base), baseOffset: base,
            maxIndexSizeBytes: entries * TimestampOffset.sizeBytes)
    }

    @Test func emptyIndexReportsNoTimestamp() throws {
        let index = try makeIndex(base: 77)
        #expect(index.lastEntry == TimestampOffset(timestamp: -1, offset: 77))
        #expect(index.lookup(targetTimestamp: 1_000) == TimestampOffset(timestamp: -1, offset: 77))
    }

    @Test func maybeAppendOnlyAddsGreaterTimestamps() throws {
        let index = try makeIndex()
        try index.maybeAppend(timestamp: -1, offset: 1)  // no timestamp (magic 0): ignored
        #expect(index.entries == 0)
        try index.maybeAppend(timestamp: 100, offset: 10)
        try index.maybeAppend(timestamp: 100, offset: 10)  // the same entry again, as at roll/close: ignored
        try index.maybeAppend(timestamp: 100, offset: 15)  // timestamp did not grow: ignored
        try index.maybeAppend(timestamp: 200, offset: 20)
        #expect(index.allEntries() == [
            TimestampOffset(timestamp: 100, offset: 10), TimestampOffset(timestamp: 200, offset: 20),
        ])
        #expect(throws: IndexError.timestampNotIncreasing(
            path: index.file, timestamp: 150, lastTimestamp: 200, entries: 2)) {
            try index.maybeAppend(timestamp: 150, offset: 30)
        }
        #expect(throws: IndexError.offsetNotIncreasing(path: index.file, offset: 19, lastOffset: 20, entries: 2)) {
            try index.maybeAppend(timestamp: 300, offset: 19)
        }
        #expect(index.lastEntry == TimestampOffset(timestamp: 200, offset: 20))
    }

    @Test func lookupByTimestampAtBoundaries() throws {
        let index = try makeIndex(base: 5)
        for step in Int64(1)...3 { try index.maybeAppend(timestamp: step * 100, offset: 5 + step * 10) }
        let none = TimestampOffset(timestamp: -1, offset: 5)
        #expect(index.lookup(targetTimestamp: 99) == none)
        #expect(index.lookup(targetTimestamp: .min) == none)
        #expect(index.lookup(targetTimestamp: 100) == TimestampOffset(timestamp: 100, offset: 15))
        #expect(index.lookup(targetTimestamp: 199) == TimestampOffset(timestamp: 100, offset: 15))
        #expect(index.lookup(targetTimestamp: 200) == TimestampOffset(timestamp: 200, offset: 25))
        #expect(index.lookup(targetTimestamp: 300) == TimestampOffset(timestamp: 300, offset: 35))
        #expect(index.lookup(targetTimestamp: .max) == TimestampOffset(timestamp: 300, offset: 35))
    }

    @Test func lastSlotIsReservedForTheRoll() throws {
        let index = try makeIndex(entries: 3)
        try index.maybeAppend(timestamp: 1, offset: 1)
        try index.maybeAppend(timestamp: 2, offset: 2)
        #expect(index.isFull)
        #expect(throws: IndexError.indexFull(path: index.file, entries: 2)) {
            try index.maybeAppend(timestamp: 3, offset: 3)
        }
        try index.maybeAppend(timestamp: 3, offset: 3, skipFullCheck: true)
        #expect(index.entries == 3)
        #expect(throws: IndexError.indexFull(path: index.file, entries: 3)) {
            try index.maybeAppend(timestamp: 4, offset: 4, skipFullCheck: true)
        }
    }

    /// Closing a segment offers its last entry again; on a trimmed (full) or read-only index that is a no-op.
    @Test func offeringTheLastEntryAgainToATrimmedIndexIsANoOp() throws {
        let index = try makeIndex()
        try index.maybeAppend(timestamp: 10, offset: 1)
        try index.trimToValidSize()
        #expect(index.maxEntries == 1)
        try index.maybeAppend(timestamp: 10, offset: 1, skipFullCheck: true)
        #expect(throws: IndexError.indexFull(path: index.file, entries: 1)) {
            try index.maybeAppend(timestamp: 11, offset: 2, skipFullCheck: true)
        }
        try index.close()
        let reader = try TimeIndex(file: index.file, baseOffset: 0, maxIndexSizeBytes: 120, writable: false)
        try reader.maybeAppend(timestamp: 10, offset: 1, skipFullCheck: true)
        #expect(throws: IndexError.readOnly(path: index.file, operation: "append to")) {
            try reader.maybeAppend(timestamp: 11, offset: 2, skipFullCheck: true)
        }
        #expect(reader.allEntries() == [TimestampOffset(timestamp: 10, offset: 1)])
    }

    @Test func truncateGoesByOffset() throws {
        let index = try makeIndex()
        for step in Int64(1)...3 { try index.maybeAppend(timestamp: step * 100, offset: step * 10) }
        index.truncate(to: 25)
        #expect(index.lastEntry == TimestampOffset(timestamp: 200, offset: 20))
        index.truncate(to: 20)
        #expect(index.lastEntry == TimestampOffset(timestamp: 100, offset: 10))
        // After truncation a smaller timestamp than the removed ones is accepted again.
        try index.maybeAppend(timestamp: 150, offset: 12)
        #expect(index.lastEntry == TimestampOffset(timestamp: 150, offset: 12))
        index.truncateAll()
        #expect(index.lastEntry == TimestampOffset(timestamp: -1, offset: 0))
    }

    @Test func bytesOnDiskAreBigEndianTimestampThenRelativeOffset() throws {
        let path = dir.child("bytes.timeindex")
        let index = try TimeIndex(file: path, baseOffset: 1000, maxIndexSizeBytes: 120)
        try index.maybeAppend(timestamp: 0x0102_0304_0506_0708, offset: 1000 + 0x0A0B_0C0D)
        try index.close()
        #expect(try ScratchDirectory.bytes(path) == [1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D])
        let reopened = try TimeIndex(file: path, baseOffset: 1000, maxIndexSizeBytes: 120, writable: false)
        #expect(reopened.lastEntry == TimestampOffset(timestamp: 0x0102_0304_0506_0708, offset: 1000 + 0x0A0B_0C0D))
        try reopened.sanityCheck()
    }

    @Test func sanityCheckRejectsDecreasingTimestampsAndPartialEntries() throws {
        let decreasing = dir.child("decreasing.timeindex")
        let entries: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 2]
        try Data(entries).write(to: URL(fileURLWithPath: decreasing))
        let index = try TimeIndex(file: decreasing, baseOffset: 0, maxIndexSizeBytes: 120)
        #expect(throws: IndexError.corruptIndex(
            path: decreasing,
            message: "Corrupt time index found, time index file (\(decreasing)) has non-zero size but the last "
                + "timestamp is 100 which is less than the first timestamp 200")) { try index.sanityCheck() }

        let partial = dir.child("partial.timeindex")
        try Data(Array(entries.prefix(13))).write(to: URL(fileURLWithPath: partial))
        let partialIndex = try TimeIndex(file: partial, baseOffset: 0, maxIndexSizeBytes: 120)
        #expect(partialIndex.entries == 1)
        #expect(throws: IndexError.corruptIndex(
            path: partial,
            message: "Time index file \(partial) is corrupt, found 13 bytes which is neither positive nor a "
                + "multiple of 12.")) { try partialIndex.sanityCheck() }
    }

    @Test func trimAndReopenKeepsTheLastEntry() throws {
        let path = LogFileNames.timeIndexFile(dir: dir.path, offset: 0)
        let index = try makeIndex()
        for step in Int64(1)...4 { try index.maybeAppend(timestamp: step * 1000, offset: step) }
        try index.trimToValidSize()
        #expect(try ScratchDirectory.lengthBytes(path) == 48)
        #expect(index.lastEntry == TimestampOffset(timestamp: 4000, offset: 4))
        try index.close()
        let reopened = try makeIndex()
        #expect(reopened.entries == 4)
        #expect(reopened.lastEntry == TimestampOffset(timestamp: 4000, offset: 4))
        #expect(reopened.lookup(targetTimestamp: 2500) == TimestampOffset(timestamp: 2000, offset: 2))
    }
}
