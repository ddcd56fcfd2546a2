import Foundation
import Glibc
import Testing

@testable import Storage

@Suite struct SegmentFileTests {
    private let dir: ScratchDirectory

    init() throws {
        dir = try ScratchDirectory("segment-file")
    }

    private func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func aRewrittenHeadReplacesTheFirstBytesAndTheBodyFollows() throws {
        let path = dir.child("0.log")
        let file = try SegmentFile(path: path, create: true, use: .newConsumer, budget: .process)
        let first: [UInt8] = Array(0..<40)
        let second: [UInt8] = Array(100..<130)
        let head: [UInt8] = [0xAA, 0xBB, 0xCC]
        try first.withUnsafeBytes { batch in
            try head.withUnsafeBytes { head in try file.append(RecordsToWrite(head: head, restOf: batch)) }
        }
        #expect(file.sizeInBytes == 40)
        try second.withUnsafeBytes { try file.append(RecordsToWrite($0)) }
        #expect(file.sizeInBytes == 70)
        #expect(try contents(path) == head + first[3...] + second)
        // The caller's batch is left as it was: the head went to the file only.
        #expect(first == Array(0..<40))
    }

    @Test func aHeadAsLongAsTheBatchLeavesNoBody() throws {
        let path = dir.child("1.log")
        let file = try SegmentFile(path: path, create: true, use: .newConsumer, budget: .process)
        let batch: [UInt8] = [1, 2, 3, 4]
        let head: [UInt8] = [9, 8, 7, 6]
        try batch.withUnsafeBytes { batch in
            try head.withUnsafeBytes { head in try file.append(RecordsToWrite(head: head, restOf: batch)) }
        }
        #expect(file.sizeInBytes == 4)
        #expect(try contents(path) == head)
    }

    /// Bytes the file system has allocated to the file (`st_blocks`), which space allocated ahead adds to.
    private func allocated(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return Int(info.st_blocks) * 512
    }

    /// Appends `count` bytes in 256 KiB pieces.
    private func fill(_ file: SegmentFile, _ count: Int) throws {
        let piece = [UInt8](repeating: 7, count: 256 * 1024)
        for _ in 0..<(count / piece.count) { try piece.withUnsafeBytes { try file.append(RecordsToWrite($0)) } }
    }

    // The scratch directory is on ext4 (or tmpfs), which both allocate with FALLOC_FL_KEEP_SIZE.
    @Test func aSegmentHoldingAChunkAllocatesAheadWithoutGrowingAndGivesTheSpaceBack() throws {
        let path = dir.child("2.log")
        let file = try SegmentFile(path: path, create: true, use: .newConsumer, budget: .process)
        let chunk = SegmentFile.preallocationChunk
        try fill(file, chunk)
        #expect(try allocated(path) < chunk + 64 * 1024, "under a chunk of data, nothing is allocated ahead")
        try fill(file, 256 * 1024)
        #expect(try allocated(path) >= 2 * chunk, "the next chunk is allocated")
        #expect(try ScratchDirectory.lengthBytes(path) == chunk + 256 * 1024, "the size is the data's")
        #expect(file.sizeInBytes == chunk + 256 * 1024)
        file.releasePreallocation()
        #expect(try allocated(path) < chunk + 512 * 1024)
        #expect(try ScratchDirectory.bytes(path).allSatisfy { $0 == 7 })
    }

    @Test func spaceLeftAllocatedByACrashIsGivenBackWhenTheReopenedFileReleasesIt() throws {
        let path = dir.child("3.log")
        let crashed = try SegmentFile(path: path, create: true, use: .newConsumer, budget: .process)
        try fill(crashed, SegmentFile.preallocationChunk + 256 * 1024)
        #expect(try allocated(path) >= 2 * SegmentFile.preallocationChunk)
        // Opening changes nothing: the segment may be another open's, still being written.
        let reopened = try SegmentFile(path: path, create: false, use: .newConsumer, budget: .process)
        #expect(reopened.sizeInBytes == SegmentFile.preallocationChunk + 256 * 1024)
        #expect(try allocated(path) >= 2 * SegmentFile.preallocationChunk)
        try fill(reopened, 256 * 1024)
        reopened.releasePreallocation()
        #expect(try allocated(path) < SegmentFile.preallocationChunk + 768 * 1024)
        #expect(try ScratchDirectory.lengthBytes(path) == SegmentFile.preallocationChunk + 512 * 1024)
    }

    @Test func truncatingGivesTheSpaceBackAndLaterAppendsAllocateAgain() throws {
        let path = dir.child("4.log")
        let file = try SegmentFile(path: path, create: true, use: .newConsumer, budget: .process)
        let chunk = SegmentFile.preallocationChunk
        try fill(file, 2 * chunk + 256 * 1024)
        #expect(try allocated(path) >= 3 * chunk)
        try file.truncate(to: chunk + 256 * 1024)
        #expect(try allocated(path) < chunk + 512 * 1024)
        try fill(file, 256 * 1024)
        #expect(try allocated(path) >= 2 * chunk)
        #expect(try ScratchDirectory.lengthBytes(path) == chunk + 512 * 1024)
    }
}
