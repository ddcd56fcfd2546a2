import Foundation
import GregorTestSupport
import Storage
import Testing

@Suite("leader-epoch-checkpoint file")
struct LeaderEpochCheckpointFileTests {
    @Test func writesKafkasFormatAndReadsItBack() throws {
        let directory = try TemporaryDirectory.make(prefix: "epoch-checkpoint")
        defer { TemporaryDirectory.remove(directory) }
        let file = LeaderEpochCheckpointFile(partitionDirectory: directory.path)
        #expect(try file.read() == nil)
        let entries = [EpochEntry(epoch: 0, startOffset: 0), EpochEntry(epoch: 4, startOffset: 1520)]
        try file.write(entries)
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == "0\n2\n0 0\n4 1520\n")
        #expect(try file.read() == entries)
    }

    @Test func malformedFilesAreErrorsNotGuesses() throws {
        let directory = try TemporaryDirectory.make(prefix: "epoch-checkpoint-bad")
        defer { TemporaryDirectory.remove(directory) }
        let file = LeaderEpochCheckpointFile(partitionDirectory: directory.path)
        for text in ["1\n0\n", "0\n2\n0 0\n", "0\n1\nx 0\n", "0\n1\n0 0 0\n"] {
            try text.write(toFile: file.path, atomically: true, encoding: .utf8)
            #expect(throws: CheckpointError.self) { _ = try file.read() }
        }
    }
}
