import Foundation
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
}
