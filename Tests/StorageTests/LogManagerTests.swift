import KafkaProtocol
import Foundation
import GregorTestSupport
@testable import Storage
import Testing

/// `LogManager` across two log dirs: creating logs, the clean shutdown marker, and the checkpoint files in Kafka's
/// text format, read back as an operator (or Kafka) would read them.
@Suite("LogManager")
struct LogManagerTests {
    /// A temporary root with log dirs `a` and `b`, and a configuration over them.
    private static func twoLogDirs() throws -> (URL, [String], LogManager.Configuration) {
        let root = try TemporaryDirectory.make(prefix: "log-manager")
        let dirs = [root.appendingPathComponent("a").path, root.appendingPathComponent("b").path]
        return (root, dirs, LogManager.Configuration(logDirs: dirs, defaultConfig: LogConfig()))
    }

    @Test("a topic name that is not Kafka's, or a negative partition, never becomes a directory")
    func invalidNamesAreRefused() async throws {
        let root = try TemporaryDirectory.make(prefix: "log-manager-names")
        defer { TemporaryDirectory.remove(root) }
        let dir = root.appendingPathComponent("logs").path
        let manager = try await LogManager.load(LogManager.Configuration(logDirs: [dir], defaultConfig: LogConfig()), logger: TestLogs.logger)
        for tp in [TopicPartition("../../escape", 0), TopicPartition("..", 1), TopicPartition("a/b", 0), TopicPartition("", 0),
                   TopicPartition("ok", -1)] {
            #expect(throws: StorageError.self) { try manager.getOrCreateLog(tp) }
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("escape-0").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") && !$0.hasSuffix("checkpoint") && $0 != "meta.properties" }.isEmpty)
        try manager.shutdown()
    }

    @Test("a log that cannot be created fails with a StorageError (KAFKA_STORAGE_ERROR), whatever failed beneath")
    func creationFailuresAreStorageErrors() async throws {
        let root = try TemporaryDirectory.make(prefix: "log-manager-create-fails")
        defer { TemporaryDirectory.remove(root) }
        let dir = root.appendingPathComponent("logs").path
        let manager = try await LogManager.load(LogManager.Configuration(logDirs: [dir], defaultConfig: LogConfig()), logger: TestLogs.logger)
        // A file where the partition's directory would go: Foundation's createDirectory fails.
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: dir + "/t-0"))
        do {
            _ = try manager.getOrCreateLog(TopicPartition("t", 0))
            Issue.record("a log was created over a file")
        } catch let error as StorageError {
            guard case .logCreationFailed = error else { throw error }
            #expect(error.errorCode == .kafkaStorageError)
        }
        #expect(try String(contentsOfFile: dir + "/t-0", encoding: .utf8) == "not a directory")
        try manager.shutdown()
    }

    /// With more than one `num.recovery.threads.per.data.dir`, the logs of each directory close side by side.
    @Test("shutdown writes .kafka_cleanshutdown and Kafka-format checkpoints; the next load removes the marker",
          arguments: [1, 3])
    func shutdownAndReload(closeThreads: Int) async throws {
        let (root, dirs, twoDirs) = try Self.twoLogDirs()
        var configuration = twoDirs
        configuration.recoveryThreadsPerDataDir = closeThreads
        defer { TemporaryDirectory.remove(root) }
        let partitions = [
            TopicPartition(topic: "orders", partition: 0), TopicPartition(topic: "orders", partition: 1),
            TopicPartition(topic: "my-topic", partition: 0), TopicPartition(topic: "my-topic", partition: 12),
        ]

        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        var ends: [TopicPartition: Int64] = [:]
        for (i, tp) in partitions.enumerated() {
            let log = try manager.getOrCreateLog(tp)
            #expect(try manager.getOrCreateLog(tp) === log)
            try TestLogs.append(log, counts: Array(repeating: 3, count: i + 1))
            ends[tp] = log.logEndOffset
        }
        try #require(manager.log(for: partitions[0])?.deleteRecords(before: 2) == 2)
        // New logs go to the directory with the fewest: two each.
        let placement = Dictionary(grouping: partitions) { tp in
            dirs.first { FileManager.default.fileExists(atPath: $0 + "/" + tp.directoryName) } ?? "nowhere"
        }
        #expect(placement[dirs[0]]?.count == 2)
        #expect(placement[dirs[1]]?.count == 2)

        try manager.shutdown()
        for dir in dirs {
            #expect(FileManager.default.fileExists(atPath: dir + "/.kafka_cleanshutdown"))
            let mine = placement[dir] ?? []
            let recoveryPoints = try Self.checkpoint(dir + "/recovery-point-offset-checkpoint")
            #expect(recoveryPoints == Dictionary(uniqueKeysWithValues: mine.map { ("\($0.topic) \($0.partition)", ends[$0] ?? -1) }))
            let startOffsets = try Self.checkpoint(dir + "/log-start-offset-checkpoint")
            #expect(startOffsets == Dictionary(uniqueKeysWithValues: mine.map { ("\($0.topic) \($0.partition)", $0 == partitions[0] ? 2 : 0) }))
        }

        let reloaded = try await LogManager.load(configuration, logger: TestLogs.logger)
        for dir in dirs {
            #expect(!FileManager.default.fileExists(atPath: dir + "/.kafka_cleanshutdown"))
        }
        for tp in partitions {
            let log = try #require(reloaded.log(for: tp))
            #expect(log.logEndOffset == ends[tp])
            #expect(log.recoveryPoint == ends[tp])
            #expect(log.logStartOffset == (tp == partitions[0] ? 2 : 0))
            #expect(log.state.withLock { $0.batchesReplayedAtLoad } == 0, "each closed with a snapshot at its end")
            try LogConsistency.check(log)
        }
        #expect(reloaded.log(for: TopicPartition(topic: "orders", partition: 2)) == nil)
        try reloaded.shutdown()
    }

    @Test("placement follows loads and deletions: a new log goes where a loaded or deleted log left the fewest")
    func placementAfterLoadAndDelete() async throws {
        let (root, dirs, configuration) = try Self.twoLogDirs()
        defer { TemporaryDirectory.remove(root) }
        func placed(_ tp: TopicPartition) -> String? {
            dirs.first { FileManager.default.fileExists(atPath: $0 + "/" + tp.directoryName) }
        }
        let first = try await LogManager.load(configuration, logger: TestLogs.logger)
        let loadedThree = (0..<3).map { TopicPartition(topic: "loaded", partition: $0) }
        for tp in loadedThree { _ = try first.getOrCreateLog(tp) }
        #expect(loadedThree.map(placed) == [dirs[0], dirs[1], dirs[0]])
        try first.shutdown()

        // Reloaded: a has two, b one, so the next goes to b, then a tie goes to a.
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        let next = TopicPartition(topic: "new", partition: 0)
        _ = try manager.getOrCreateLog(next)
        #expect(placed(next) == dirs[1])
        // Deleting both of a's logs leaves a with none: the next two new logs both go there.
        try manager.deleteLog(loadedThree[0])
        try manager.deleteLog(loadedThree[2])
        #expect(manager.log(for: loadedThree[0]) == nil)
        let more = [TopicPartition(topic: "new", partition: 1), TopicPartition(topic: "new", partition: 2)]
        for tp in more { _ = try manager.getOrCreateLog(tp) }
        #expect(more.map(placed) == [dirs[0], dirs[0]])
        try manager.shutdown()
        // The checkpoints list each log under its own directory.
        let aEntries = try Self.checkpoint(dirs[0] + "/recovery-point-offset-checkpoint")
        let bEntries = try Self.checkpoint(dirs[1] + "/recovery-point-offset-checkpoint")
        #expect(Set(aEntries.keys) == ["new 1", "new 2"])
        #expect(Set(bEntries.keys) == ["loaded 1", "new 0"])
    }

    @Test("the scheduled recovery-point checkpoint also writes a leader epoch that was only assigned in memory")
    func scheduledCheckpointWritesAssignedEpochs() async throws {
        let root = try TemporaryDirectory.make(prefix: "log-manager-epochs")
        defer { TemporaryDirectory.remove(root) }
        var configuration = LogManager.Configuration(logDirs: [root.path], defaultConfig: LogConfig())
        configuration.recoveryPointCheckpointIntervalMs = 20
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        let log = try manager.getOrCreateLog(TopicPartition(topic: "t", partition: 0))
        let file = LeaderEpochCheckpointFile(partitionDirectory: log.directory)
        log.assignEpochStartOffset(epoch: 2, startOffset: 0)
        #expect(try file.read() == [])
        let schedulers = Task { await manager.runSchedulers() }
        let deadline = ContinuousClock.now + .seconds(60)
        while try file.read() != [EpochEntry(epoch: 2, startOffset: 0)], ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        schedulers.cancel()
        await schedulers.value
        #expect(try file.read() == [EpochEntry(epoch: 2, startOffset: 0)])
        try manager.shutdown()
    }

    @Test("cleanupLogs applies retention to every log")
    func cleanupLogsAppliesRetention() async throws {
        let root = try TemporaryDirectory.make(prefix: "log-manager-retention")
        defer { TemporaryDirectory.remove(root) }
        var config = LogConfig()
        config.segmentBytes = 2 * 1024
        config.retentionMs = 3_600_000
        let manager = try await LogManager.load(.init(logDirs: [root.path], defaultConfig: config), logger: TestLogs.logger)
        let log = try manager.getOrCreateLog(TopicPartition(topic: "t", partition: 0))
        try TestLogs.append(log, counts: Array(repeating: 10, count: 20))
        let segments = log.numberOfSegments
        #expect(segments > 2)
        #expect(manager.cleanupLogs(nowMs: TestLogs.baseTimestamp) == 0)
        #expect(manager.cleanupLogs(nowMs: TestLogs.baseTimestamp + 2 * 3_600_000) == segments)
        #expect(log.logStartOffset == log.logEndOffset)
        try manager.shutdown()
    }

    @Test("a checkpoint whose entries did not change is not rewritten, unless its file is gone")
    func unchangedCheckpointsAreNotRewritten() async throws {
        let (root, dirs, configuration) = try Self.twoLogDirs()
        defer { TemporaryDirectory.remove(root) }
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        for partition in Int32(0)..<4 { _ = try manager.getOrCreateLog(TopicPartition(topic: "t", partition: partition)) }
        var highWatermarks: [TopicPartition: Int64] = [TopicPartition(topic: "t", partition: 0): 3]
        let paths = dirs.map { $0 + "/" + LogManager.replicationOffsetCheckpointFile }
        // A rewrite replaces the file by renaming a new one over it: a new inode.
        func inodes() throws -> [UInt64] {
            try paths.map { try #require(FileManager.default.attributesOfItem(atPath: $0)[.systemFileNumber] as? UInt64) }
        }
        try manager.checkpointHighWatermarks { highWatermarks[$0] }
        let first = try inodes()
        try manager.checkpointHighWatermarks { highWatermarks[$0] }
        #expect(try inodes() == first)

        highWatermarks[TopicPartition(topic: "t", partition: 1)] = 8
        try manager.checkpointHighWatermarks { highWatermarks[$0] }
        let second = try inodes()
        let written = try paths.map(Self.checkpoint).reduce(into: [:]) { $0.merge($1) { a, _ in a } }
        #expect(written == ["t 0": 3, "t 1": 8])
        // Only the directory holding t-1 changed.
        let t1 = try #require(manager.logDir(of: TopicPartition(topic: "t", partition: 1)))
        for (index, dir) in dirs.enumerated() { #expect((second[index] != first[index]) == (dir == t1)) }

        try FileManager.default.removeItem(atPath: paths[0])
        try manager.checkpointHighWatermarks { highWatermarks[$0] }
        #expect(FileManager.default.fileExists(atPath: paths[0]))
        #expect(try inodes()[1] == second[1])
        try manager.shutdown()
    }

    /// Parses a checkpoint file strictly as Kafka writes it: "0\n<count>\n" then "<topic> <partition> <offset>\n"
    /// per entry. Returns "topic partition" -> offset.
    static func checkpoint(_ path: String) throws -> [String: Int64] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        try #require(lines.count >= 2)
        #expect(lines[0] == "0")
        let count = try #require(Int(lines[1]))
        #expect(lines.count == 2 + count)
        var entries: [String: Int64] = [:]
        for line in lines.dropFirst(2) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            try #require(fields.count == 3, "bad checkpoint line '\(line)'")
            #expect(Int32(fields[1]) != nil)
            let offset = try #require(Int64(fields[2]))
            entries["\(fields[0]) \(fields[1])"] = offset
        }
        return entries
    }
}
