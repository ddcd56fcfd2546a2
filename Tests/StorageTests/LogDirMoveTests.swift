import KafkaProtocol
import Foundation
import GregorTestSupport
@testable import Storage
import Testing

/// Moving a log between log dirs (AlterReplicaLogDirs): the data, the log start and the appends that follow are all
/// in the new directory, across a reload; what a crash mid-move leaves is handled at the next load.
@Suite("LogManager: moves between log dirs")
struct LogDirMoveTests {
    let root: URL
    let dirs: [String]
    var configuration: LogManager.Configuration {
        var config = LogConfig()
        config.segmentBytes = 1024
        return LogManager.Configuration(logDirs: dirs, defaultConfig: config)
    }

    init() throws {
        root = try TemporaryDirectory.make(prefix: "log-dir-move")
        dirs = [root.appendingPathComponent("a").path, root.appendingPathComponent("b").path]
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("condition not met in 30 s"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Every batch from `offset` to the log end (one read stops at its segment's end).
    private func readAll(_ log: Log, from offset: Int64) throws -> [ParsedBatch] {
        var batches: [ParsedBatch] = []
        var next = offset
        while next < log.logEndOffset {
            let read = try TestLogs.readBatches(log, from: next, maxBytes: 1 << 20)
            guard let last = read.last else { break }
            batches += read
            next = last.offsets.upperBound + 1
        }
        return batches
    }

    @Test("a moved log keeps its records, log start and appends, in the new directory only, also after a reload")
    func moveKeepsEverything() async throws {
        defer { TemporaryDirectory.remove(root) }
        let tp = TopicPartition(topic: "moving", partition: 0)
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        let log = try manager.getOrCreateLog(tp)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 30))
        try log.deleteRecords(before: 25)
        let source = try #require(manager.logDir(of: tp))
        let target = try #require(dirs.first { $0 != source })
        #expect(log.numberOfSegments > 3)

        #expect(try manager.alterLogDir(tp, to: target))
        try await waitUntil { manager.logDir(of: tp) == target }
        #expect(log.directory == target + "/moving-0")
        #expect(!FileManager.default.fileExists(atPath: source + "/moving-0"))
        // The old directory, renamed `moving-0.<id>-delete` at the switch, is removed right after it.
        try await waitUntil {
            ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).allSatisfy { !$0.hasPrefix("moving-0") }
        }
        #expect(log.logStartOffset == 25)
        #expect(try readAll(log, from: 25).map(\.offsets.lowerBound) == Array(stride(from: 20, to: 300, by: 10)))
        try TestLogs.append(log, counts: [5])
        #expect(log.logEndOffset == 305)
        try LogConsistency.check(log)
        // Already there: nothing to do.
        #expect(try manager.alterLogDir(tp, to: target))
        try manager.shutdown()

        let reloaded = try await LogManager.load(configuration, logger: TestLogs.logger)
        let again = try #require(reloaded.log(for: tp))
        #expect(reloaded.logDir(of: tp) == target)
        #expect(again.logStartOffset == 25)
        #expect(again.logEndOffset == 305)
        #expect(try TestLogs.readBatches(again, from: 300, maxBytes: 100_000).map(\.offsets) == [300...304])
        try reloaded.shutdown()
    }

    @Test("a directory outside log.dirs is LOG_DIR_NOT_FOUND; a partition without a log is created in the asked one")
    func unknownDirectoryAndPreferredDirectory() async throws {
        defer { TemporaryDirectory.remove(root) }
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        let tp = TopicPartition(topic: "later", partition: 3)
        #expect { try manager.alterLogDir(tp, to: root.appendingPathComponent("c").path) } throws: {
            ($0 as? StorageError)?.errorCode == .logDirNotFound
        }
        // The first dir would get it (both empty); the request asks for the second.
        #expect(try manager.alterLogDir(tp, to: dirs[1]) == false)
        _ = try manager.getOrCreateLog(tp)
        #expect(manager.logDir(of: tp) == dirs[1])
        try manager.shutdown()
    }

    @Test("a truncation between the two copy phases makes the switch copy every segment again")
    func truncationDuringTheCopy() async throws {
        defer { TemporaryDirectory.remove(root) }
        var config = LogConfig()
        config.segmentBytes = 1024
        let source = dirs[0] + "/t-0"
        let log = try TestLogs.open(source, config: config)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 30))
        let future = dirs[1] + "/t-0.x-future"
        try FileManager.default.createDirectory(atPath: future, withIntermediateDirectories: true)
        let copied = try #require(try log.copyInactiveSegments(into: future) { true })
        #expect(!copied.sizes.isEmpty)
        // The follower's tail goes; the leader's batches come back with other bytes (different timestamps).
        try log.truncate(to: 150)
        try TestLogs.append(log, counts: Array(repeating: 10, count: 15), timestamp: TestLogs.baseTimestamp + 99)
        let retired = try log.completeMove(from: future, to: dirs[1] + "/t-0", copied: copied, retired: dirs[0] + "/t-0.x-delete")
        try FileManager.default.removeItem(atPath: retired)
        let batches = try readAll(log, from: 0)
        #expect(batches.map(\.offsets.lowerBound) == Array(stride(from: 0, to: 300, by: 10)))
        #expect(batches.filter { $0.offsets.lowerBound >= 150 }.allSatisfy { $0.baseTimestamp == TestLogs.baseTimestamp + 99 })
        try LogConsistency.check(log)
        try log.close()
    }

    @Test("at load, a -future leftover is deleted; a partition in two log dirs refuses the start")
    func leftoversOfACrash() async throws {
        defer { TemporaryDirectory.remove(root) }
        for dir in dirs { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let leftover = dirs[1] + "/t-0.0123abcd-future"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: true)
        _ = try TestLogs.open(dirs[0] + "/t-0")
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(manager.logDir(of: TestLogs.topicPartition) == dirs[0])
        try manager.shutdown()

        try FileManager.default.copyItem(atPath: dirs[0] + "/t-0", toPath: dirs[1] + "/t-0")
        await #expect { try await LogManager.load(configuration, logger: TestLogs.logger) } throws: { error in
            guard case .duplicateLogDirectories = error as? StorageError else { return false }
            return true
        }
    }
}
