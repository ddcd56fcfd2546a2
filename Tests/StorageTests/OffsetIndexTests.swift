import KafkaProtocol
import Foundation
import Testing

@testable import Storage

@Suite struct OffsetIndexTests {
    /// Per test: Swift Testing makes a new suite instance for each test and keeps it alive until the test ends.
    private let dir: ScratchDirectory

    init() throws {
        dir = try ScratchDirectory("storage-index")
    }

    private let base: Int64 = 45

    private func makeIndex(entries: Int = 30) throws -> OffsetIndex {
        try OffsetIndex(
            file: LogFileNames.offsetIndexFile(dir: dir.path, offset: base), baseOffset: base,
            maxIndexSizeBytes: entries * OffsetPosition.sizeBytes)
    }

    @Test func newIndexIsPreallocatedAndEmpty() throws {
        let index = try OffsetIndex(file: dir.child("a.index"), baseOffset: 0, maxIndexSizeBytes: 8 * 10 + 5)
        #expect(index.entries == 0)
        #expect(index.maxEntries == 10)
        #expect(try ScratchDirectory.lengthBytes(dir.child("a.index")) == 80)
        #expect(index.lastOffset == 0)
        #expect(index.lookup(targetOffset: 100) == OffsetPosition(offset: 0, position: 0))
    }

    @Test func lookupAtBetweenBeforeAndAfterEntries() throws {
        let index = try makeIndex()
        try index.append(offset: 50, position: 100)
        try index.append(offset: 55, position: 200)
        try index.append(offset: 60, position: 300)
        #expect(index.lookup(targetOffset: 50) == OffsetPosition(offset: 50, position: 100))
        #expect(index.lookup(targetOffset: 55) == OffsetPosition(offset: 55, position: 200))
        #expect(index.lookup(targetOffset: 57) == OffsetPosition(offset: 55, position: 200))
        #expect(index.lookup(targetOffset: 60) == OffsetPosition(offset: 60, position: 300))
        #expect(index.lookup(targetOffset: .max) == OffsetPosition(offset: 60, position: 300))
        #expect(index.lookup(targetOffset: 49) == OffsetPosition(offset: base, position: 0))
        #expect(index.lookup(targetOffset: 0) == OffsetPosition(offset: base, position: 0))
        #expect(index.lastOffset == 60)
        #expect(index.entries == 3)
        #expect(index.sizeInBytes == 24)
        #expect(try index.entry(at: 1) == OffsetPosition(offset: 55, position: 200))
        #expect(throws: IndexError.self) { try index.entry(at: 3) }
    }

    @Test func fetchUpperBoundOffsetFindsFirstEntryAtOrBeyondTheFetchEnd() throws {
        let index = try makeIndex()
        for step in 1...5 { try index.append(offset: base + Int64(step * 10), position: Int32(step * 1000)) }
        let start = OffsetPosition(offset: base + 10, position: 1000)
        #expect(index.fetchUpperBoundOffset(fetchOffset: start, fetchSizeBytes: 1500)?.position == 3000)
        #expect(index.fetchUpperBoundOffset(fetchOffset: start, fetchSizeBytes: 2000)?.position == 3000)
        #expect(index.fetchUpperBoundOffset(fetchOffset: start, fetchSizeBytes: 5000) == nil)
    }

    @Test func appendRejectsNonIncreasingAndOverflowingOffsets() throws {
        let index = try makeIndex()
        try index.append(offset: 50, position: 0)
        #expect(throws: IndexError.offsetNotIncreasing(path: index.file, offset: 50, lastOffset: 50, entries: 1)) {
            try index.append(offset: 50, position: 10)
        }
        #expect(throws: IndexError.self) { try index.append(offset: 49, position: 10) }
        let tooFar = base + Int64(Int32.max) + 1
        #expect(throws: IndexError.offsetOverflow(path: index.file, offset: tooFar, baseOffset: base)) {
            try index.append(offset: tooFar, position: 10)
        }
        #expect(!index.canAppendOffset(base - 1))
        #expect(index.canAppendOffset(base + Int64(Int32.max)))
        #expect(index.entries == 1)
    }

    @Test func fullIndexThrows() throws {
        let index = try OffsetIndex(file: dir.child("full.index"), baseOffset: 0, maxIndexSizeBytes: 3 * 8 + 7)
        for offset in Int64(1)...3 { try index.append(offset: offset, position: Int32(offset)) }
        #expect(index.isFull)
        #expect(throws: IndexError.indexFull(path: index.file, entries: 3)) {
            try index.append(offset: 4, position: 4)
        }
        #expect(index.entries == 3)
    }

    @Test func truncateRemovesEntriesAtOrAboveTheOffset() throws {
        let index = try OffsetIndex(file: dir.child("t.index"), baseOffset: 0, maxIndexSizeBytes: 80)
        func refill() throws {
            index.truncateAll()
            for step in Int64(1)...4 { try index.append(offset: step * 10, position: Int32(step * 100)) }
        }
        try refill()
        index.truncate(to: 30)
        #expect(index.allEntries().map(\.offset) == [10, 20])
        #expect(index.lastOffset == 20)
        try refill()
        index.truncate(to: 25)
        #expect(index.allEntries().map(\.offset) == [10, 20])
        try refill()
        index.truncate(to: 100)
        #expect(index.entries == 4)
        index.truncate(to: 10)
        #expect(index.entries == 0)
        #expect(index.lastOffset == 0)
        try refill()
        index.truncate(to: 5)
        #expect(index.entries == 0)
        // Appends continue after the truncation point, overwriting the old bytes.
        try refill()
        index.truncate(to: 30)
        try index.append(offset: 25, position: 250)
        #expect(index.allEntries() == [
            OffsetPosition(offset: 10, position: 100), OffsetPosition(offset: 20, position: 200),
            OffsetPosition(offset: 25, position: 250),
        ])
    }

    @Test func trimShrinksTheFileAndReopeningGivesTheSameEntries() throws {
        let path = LogFileNames.offsetIndexFile(dir: dir.path, offset: base)
        let index = try makeIndex()
        for step in 1...7 { try index.append(offset: base + Int64(step * 3), position: Int32(step * 4096)) }
        let written = index.allEntries()
        #expect(try ScratchDirectory.lengthBytes(path) == 30 * 8)
        try index.trimToValidSize()
        #expect(try ScratchDirectory.lengthBytes(path) == 7 * 8)
        #expect(index.isFull)
        #expect(index.lookup(targetOffset: base + 10) == OffsetPosition(offset: base + 9, position: 3 * 4096))
        try index.close()

        for writable in [false, true] {
            let reopened = try OffsetIndex(file: path, baseOffset: base, maxIndexSizeBytes: 30 * 8, writable: writable)
            #expect(reopened.allEntries() == written)
            #expect(reopened.lastOffset == base + 21)
            try reopened.sanityCheck()
            try reopened.close()
        }
        #expect(try ScratchDirectory.lengthBytes(path) == 7 * 8)
    }

    @Test func resizeGivesAReopenedActiveIndexRoomAgain() throws {
        let path = dir.child("active.index")
        let index = try OffsetIndex(file: path, baseOffset: 0, maxIndexSizeBytes: 80)
        try index.append(offset: 1, position: 0)
        try index.close()
        let reopened = try OffsetIndex(file: path, baseOffset: 0, maxIndexSizeBytes: 80)
        #expect(reopened.isFull)
        #expect(try reopened.resize(toBytes: 80))
        #expect(try !reopened.resize(toBytes: 80 + 3))
        #expect(reopened.maxEntries == 10)
        try reopened.append(offset: 2, position: 100)
        #expect(reopened.allEntries().map(\.offset) == [1, 2])
        #expect(throws: IndexError.resizeBelowEntries(path: path, sizeBytes: 8, entries: 2)) {
            try reopened.resize(toBytes: 15)
        }
        try reopened.reset()
        #expect(reopened.entries == 0)
        #expect(try ScratchDirectory.lengthBytes(path) == 80)
    }

    /// Kafka's behaviour, which the log layer relies on rebuilding: an active index that was never trimmed (a crash)
    /// reads back with its zero-filled preallocated tail as entries at the base offset, and still passes the check.
    @Test func reopeningAnUntrimmedIndexCountsItsPreallocatedTail() throws {
        let path = dir.child("crashed.index")
        let index = try OffsetIndex(file: path, baseOffset: 500, maxIndexSizeBytes: 80)
        try index.append(offset: 501, position: 0)
        try index.flush()
        let reopened = try OffsetIndex(file: path, baseOffset: 500, maxIndexSizeBytes: 80)
        #expect(reopened.entries == 10)
        #expect(try reopened.entry(at: 9) == OffsetPosition(offset: 500, position: 0))
        try reopened.sanityCheck()
        try reopened.reset()
        #expect(reopened.entries == 0)
    }

    @Test func bytesOnDiskAreBigEndianRelativeOffsetThenPosition() throws {
        let path = dir.child("bytes.index")
        let index = try OffsetIndex(file: path, baseOffset: 100, maxIndexSizeBytes: 64)
        try index.append(offset: 101, position: 0x0102_0304)
        try index.append(offset: 100 + 0x0A0B_0C0D, position: 7)
        try index.flush()
        try index.close()
        #expect(try ScratchDirectory.bytes(path) == [0, 0, 0, 1, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 7])
    }

    @Test func sanityCheckRejectsALengthThatIsNotWholeEntries() throws {
        let path = dir.child("odd.index")
        try Data([0, 0, 0, 1, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 12)).write(to: URL(fileURLWithPath: path))
        let index = try OffsetIndex(file: path, baseOffset: 0, maxIndexSizeBytes: 80, writable: false)
        #expect(index.entries == 2)
        let error = #expect(throws: IndexError.self) { try index.sanityCheck() }
        guard case .corruptIndex(let errorPath, let message) = error else {
            Issue.record("expected corruptIndex, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(
            message == "Index file \(path) is corrupt, found 20 bytes which is neither positive nor a multiple of 8.")
    }

    @Test func sanityCheckRejectsALastOffsetBelowTheBase() throws {
        let path = dir.child("negative.index")
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
        let index = try OffsetIndex(file: path, baseOffset: 10, maxIndexSizeBytes: 80)
        #expect(index.lastOffset == 9)
        #expect(throws: IndexError.corruptIndex(
            path: path,
            message: "Corrupt index found, index file (\(path)) has non-zero size but the last offset is 9 which "
                + "is less than the base offset 10.")) { try index.sanityCheck() }
    }

    @Test func readOnlyIndexRefusesChangesAndMissingFileIsAnError() throws {
        let path = dir.child("ro.index")
        let writer = try OffsetIndex(file: path, baseOffset: 0, maxIndexSizeBytes: 80)
        try writer.append(offset: 3, position: 30)
        try writer.close()
        let reader = try OffsetIndex(file: path, baseOffset: 0, maxIndexSizeBytes: 80, writable: false)
        #expect(throws: IndexError.readOnly(path: path, operation: "append to")) {
            try reader.append(offset: 4, position: 40)
        }
        #expect(throws: IndexError.readOnly(path: path, operation: "resize")) { try reader.resize(toBytes: 80) }
        #expect(reader.lookup(targetOffset: 5) == OffsetPosition(offset: 3, position: 30))
        try reader.close()
        #expect(try ScratchDirectory.lengthBytes(path) == 8)

        let missing = dir.child("missing.index")
        #expect(throws: IndexError.io(operation: "open", path: missing, errno: ENOENT)) {
            try OffsetIndex(file: missing, baseOffset: 0, maxIndexSizeBytes: 80, writable: false)
        }
    }

    @Test func maxIndexSizeSmallerThanAnEntryIsRejectedAndLeavesNoFile() throws {
        let path = dir.child("tiny.index")
        #expect(throws: IndexError.invalidMaxIndexSize(path: path, maxIndexSizeBytes: 7, entrySizeBytes: 8)) {
            try OffsetIndex(file: path, baseOffset: 0, maxIndexSizeBytes: 7)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func closedIndexReadsAsEmptyAndRefusesChanges() throws {
        let index = try makeIndex()
        try index.append(offset: 50, position: 1)
        try index.close()
        try index.close()
        #expect(index.entries == 0)
        #expect(index.lookup(targetOffset: 50) == OffsetPosition(offset: base, position: 0))
        #expect(throws: IndexError.closed(path: index.file, operation: "append to")) {
            try index.append(offset: 51, position: 2)
        }
    }

    @Test func renameAndDelete() throws {
        let index = try makeIndex()
        try index.append(offset: 50, position: 1)
        let original = index.file
        let renamed = original + LogFileNames.deletedSuffix
        try index.renameTo(renamed)
        #expect(index.file == renamed)
        #expect(!FileManager.default.fileExists(atPath: original))
        try index.trimToValidSize()
        #expect(try ScratchDirectory.lengthBytes(renamed) == 8)
        #expect(try index.deleteIfExists())
        #expect(!FileManager.default.fileExists(atPath: renamed))
        #expect(try !index.deleteIfExists())
    }
}
