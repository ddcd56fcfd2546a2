import KafkaProtocol
import Foundation
import Testing

@testable import Storage

@Suite struct OffsetCheckpointFileTests {
    /// Per test: Swift Testing makes a new suite instance for each test and keeps it alive until the test ends.
    private let dir: ScratchDirectory

    init() throws {
        dir = try ScratchDirectory("checkpoint")
    }

    private func checkpoint(name: String = OffsetCheckpointFile.recoveryPointFileName)
        -> OffsetCheckpointFile
    {
        OffsetCheckpointFile(logDir: dir.path, fileName: name)
    }

    private func writeText(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func roundTrip() throws {
        let file = checkpoint()
        let offsets: [TopicPartition: Int64] = [
            TopicPartition(topic: "my-topic", partition: 0): 42,
            TopicPartition(topic: "my-topic", partition: 12): 0,
            TopicPartition(topic: "metrics.v2_x", partition: 3): Int64.max,
            TopicPartition(topic: "__consumer_offsets", partition: 49): 1_234_567_890_123,
        ]
        try file.write(offsets)
        #expect(try file.read() == offsets)
        try file.write([:])
        #expect(try file.read() == [:])
    }

    @Test func writesKafkaFormatSortedByTopicPartition() throws {
        let file = checkpoint(name: OffsetCheckpointFile.replicationOffsetFileName)
        try file.write([
            TopicPartition(topic: "b", partition: 1): 5,
            TopicPartition(topic: "a", partition: 10): 7,
            TopicPartition(topic: "a", partition: 2): 42,
        ])
        let text = try String(contentsOfFile: dir.child("replication-offset-checkpoint"), encoding: .utf8)
        #expect(text == "0\n3\na 2 42\na 10 7\nb 1 5\n")
    }

    @Test func readsKafkaWrittenFiles() throws {
        let file = checkpoint()
        try writeText("0\n2\ntp1 1 2\ntp1 0 1\n", to: file.path)
        #expect(try file.read() == [
            TopicPartition(topic: "tp1", partition: 0): 1, TopicPartition(topic: "tp1", partition: 1): 2,
        ])
        try writeText("0\r\n1\r\nt  0\t9  \r\n", to: file.path)  // CRLF, runs of blanks, trailing blanks
        #expect(try file.read() == [TopicPartition(topic: "t", partition: 0): 9])
    }

    @Test func missingOrEmptyFileReadsAsEmpty() throws {
        let file = checkpoint()
        #expect(try file.read() == [:])
        try writeText("", to: file.path)
        #expect(try file.read() == [:])
        try writeText("0\n", to: file.path)
        #expect(try file.read() == [:])
        #expect(try OffsetCheckpointFile(path: dir.child("no/such/dir/file")).read() == [:])
    }

    @Test func malformedLinesNameTheFileAndTheLine() throws {
        let file = checkpoint()
        let path = file.path
        let cases: [(String, CheckpointError)] = [
            ("0\n2\ntopic 0 1\ntopic x 2\n", .malformedLine(path: path, lineNumber: 4, line: "topic x 2")),
            ("0\n1\n topic 0 1\n", .malformedLine(path: path, lineNumber: 3, line: " topic 0 1")),
            ("0\n1\ntopic 0\n", .malformedLine(path: path, lineNumber: 3, line: "topic 0")),
            ("0\n1\ntopic 0 1 2\n", .malformedLine(path: path, lineNumber: 3, line: "topic 0 1 2")),
            ("0\n2\na 0 1\n\nb 0 1\n", .malformedLine(path: path, lineNumber: 4, line: "")),
            ("zero\n0\n", .malformedLine(path: path, lineNumber: 1, line: "zero")),
            ("0\ntwo\n", .malformedLine(path: path, lineNumber: 2, line: "two")),
            ("1\n0\n", .unrecognizedVersion(path: path, version: 1)),
            ("0\n3\na 0 1\nb 0 2\n", .entryCountMismatch(path: path, expected: 3, found: 2)),
        ]
        for (text, expected) in cases {
            try writeText(text, to: path)
            #expect(throws: expected, "reading \(text.debugDescription)") { try file.read() }
        }
        let description = CheckpointError.malformedLine(path: path, lineNumber: 4, line: "topic x 2").description
        #expect(description == "Malformed line in checkpoint file (\(path)): 'topic x 2' (line 4)")
    }

    @Test func atomicWriteLeavesNoTemporaryFile() throws {
        let logDir = dir.child("nested/log-dir")  // created by the write
        let file = OffsetCheckpointFile(logDir: logDir, fileName: OffsetCheckpointFile.logStartOffsetFileName)
        for round in Int64(0)..<3 {
            try file.write([TopicPartition(topic: "t", partition: 0): round])
            #expect(try FileManager.default.contentsOfDirectory(atPath: logDir) == ["log-start-offset-checkpoint"])
            #expect(try file.read() == [TopicPartition(topic: "t", partition: 0): round])
        }
    }

    @Test func cleanShutdownMarker() throws {
        #expect(!CleanShutdownFile.exists(logDir: dir.path))
        try CleanShutdownFile.create(logDir: dir.path)
        #expect(CleanShutdownFile.exists(logDir: dir.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [".kafka_cleanshutdown"])
        #expect(try ScratchDirectory.lengthBytes(dir.child(".kafka_cleanshutdown")) == 0)
        try CleanShutdownFile.create(logDir: dir.path)
        try CleanShutdownFile.delete(logDir: dir.path)
        #expect(!CleanShutdownFile.exists(logDir: dir.path))
        try CleanShutdownFile.delete(logDir: dir.path)
    }
}
