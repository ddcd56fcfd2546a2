import KafkaProtocol
import Foundation
import Glibc
import GregorTestSupport
import NIOCore
import Storage
import Testing

/// Crash recovery for real: a child process appends to a log and is killed with SIGKILL at a random instant, then
/// the test reopens the log as a broker would after a crash and checks it from the outside (`LogConsistency`).
/// Corruption that a crash cannot produce on its own (a flipped byte, lost or garbage index files) is made by hand.
@Suite("Log crash recovery")
struct LogCrashTests {
    /// Must match `CrashWorkerConfig.appendLoop` in Tests/StorageCrashWorker/main.swift.
    static var workerConfig: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 256 * 1024
        config.indexIntervalBytes = 512
        config.maxIndexSizeBytes = 2048
        config.retentionBytes = 2 * 1024 * 1024
        return config
    }

    static let cycles = 25

    @Test("a writer killed with SIGKILL at random instants always leaves a log that recovers consistent")
    func killedWriterRecovers() async throws {
        let worker = try GregorBinaries.url(of: "StorageCrashWorker")
        let root = try TemporaryDirectory.make(prefix: "log-crash")
        defer { TemporaryDirectory.remove(root) }
        let partitionDir = root.appendingPathComponent("crash-0").path
        var endBeforeCycle: Int64 = 0
        for cycle in 0..<Self.cycles {
            let output = root.appendingPathComponent("worker-\(cycle).out")
            let progressBefore = Self.activeSegmentProgress(partitionDir)
            let child = try ChildProcess.launch(worker, arguments: [root.path, "append-loop"], outputFile: output)
            let readyOffset = try await Self.waitForReady(child, output: output)
            #expect(readyOffset == endBeforeCycle, "cycle \(cycle): the worker reopened at \(readyOffset), the log ended at \(endBeforeCycle)")
            try await eventually(timeout: .seconds(30), "cycle \(cycle): the worker appends") {
                Self.activeSegmentProgress(partitionDir) > progressBefore
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400)))
            child.signal(SIGKILL)
            let status = try await child.waitForExit(timeout: .seconds(10))
            try #require(status == ExitStatus.killed(by: SIGKILL), "cycle \(cycle): worker output:\n\(Self.text(output))")

            let log = try TestLogs.open(
                partitionDir, config: Self.workerConfig, recoveryPoint: Self.recoveryPoint(root), hadCleanShutdown: false,
                topicPartition: TopicPartition(topic: "crash", partition: 0))
            try LogConsistency.check(log, lookups: .edgesAndMiddle)
            #expect(log.logEndOffset > endBeforeCycle, "cycle \(cycle): nothing the killed worker appended survived")

            let end = log.logEndOffset
            let appended = try TestLogs.append(log, counts: [3])
            #expect(appended[0].firstOffset == end)
            #expect(try TestLogs.readBatches(log, from: end, maxBytes: 1).map(\.baseOffset) == [end])
            try log.close()
            endBeforeCycle = log.logEndOffset
            try "\(log.recoveryPoint)\n".write(toFile: root.appendingPathComponent("recovery-point").path, atomically: true, encoding: .utf8)
        }
    }

    @Test("a flipped byte in the middle of the last segment truncates the log exactly at the damaged batch")
    func flippedByteTruncatesAtDamagedBatch() throws {
        let dir = try TemporaryDirectory.make(prefix: "log-flip")
        defer { TemporaryDirectory.remove(dir) }
        var config = LogConfig()
        config.segmentBytes = 64 * 1024
        config.indexIntervalBytes = 1024
        let log = try TestLogs.open(dir.path, config: config)
        try TestLogs.append(log, counts: (0..<120).map { 1 + $0 % 30 })
        let before = try LogConsistency.check(log)
        try log.close()
        let lastBase = try #require(log.segmentBaseOffsets.last)
        #expect(log.numberOfSegments > 1)

        let path = dir.appendingPathComponent(TestLogs.segmentFileName(lastBase, ".log")).path
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let boundaries = TestBatchReader.boundaries(in: bytes)
        try #require(boundaries.count >= 5)
        let victim = boundaries[boundaries.count / 2]
        let damaged = victim.position + TestBatches.headerSize + (victim.size - TestBatches.headerSize) / 2
        bytes[damaged] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let reopened = try TestLogs.open(dir.path, config: config, recoveryPoint: log.recoveryPoint, hadCleanShutdown: false)
        #expect(reopened.logEndOffset == victim.baseOffset)
        let after = try LogConsistency.check(reopened)
        let intact = before.batches.prefix { $0.baseOffset < victim.baseOffset }
        #expect(after.batches.map(\.offsets) == intact.map(\.offsets))
        #expect(after.batches.map(\.storedCRC) == intact.map(\.storedCRC))
        #expect(try TestLogs.fileSize(path) == victim.position)
        let appended = try TestLogs.append(reopened, counts: [4])
        #expect(appended[0].firstOffset == victim.baseOffset)
        try LogConsistency.check(reopened)
        try reopened.close()
    }

    enum IndexDamage: String, CaseIterable, CustomTestStringConvertible {
        case deleted
        /// Random bytes, not a whole number of entries.
        case tornGarbage
        /// Random bytes, a whole number of 8-byte entries: only a content check can tell.
        case wholeEntryGarbage

        var testDescription: String { rawValue }
    }

    @Test("a missing or garbage .index is rebuilt on open, even after a clean shutdown", arguments: IndexDamage.allCases)
    func damagedIndexIsRebuilt(damage: IndexDamage) throws {
        let dir = try TemporaryDirectory.make(prefix: "log-index")
        defer { TemporaryDirectory.remove(dir) }
        var config = LogConfig()
        config.segmentBytes = 16 * 1024
        config.indexIntervalBytes = 256
        let log = try TestLogs.open(dir.path, config: config)
        try TestLogs.append(log, counts: (0..<80).map { 1 + $0 % 20 })
        let before = try LogConsistency.check(log)
        try log.close()
        let bases = log.segmentBaseOffsets
        try #require(bases.count >= 3)

        // A segment in the middle and the active one.
        for base in [bases[bases.count / 2], bases[bases.count - 1]] {
            let path = dir.appendingPathComponent(TestLogs.segmentFileName(base, ".index")).path
            switch damage {
            case .deleted: try FileManager.default.removeItem(atPath: path)
            case .tornGarbage: try Data(TestLogs.randomBytes(1003)).write(to: URL(fileURLWithPath: path))
            case .wholeEntryGarbage: try Data(TestLogs.randomBytes(4096)).write(to: URL(fileURLWithPath: path))
            }
        }

        let reopened = try TestLogs.open(dir.path, config: config, recoveryPoint: log.recoveryPoint, hadCleanShutdown: true)
        #expect(reopened.logEndOffset == log.logEndOffset)
        #expect(reopened.segmentBaseOffsets == bases)
        for base in bases {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(TestLogs.segmentFileName(base, ".index")).path))
        }
        let after = try LogConsistency.check(reopened, lookups: .allOffsets)
        #expect(after.batches.map(\.offsets) == before.batches.map(\.offsets))
        let appended = try TestLogs.append(reopened, counts: [2])
        #expect(appended[0].firstOffset == log.logEndOffset)
        try reopened.close()
    }

    // MARK: helpers

    /// Waits for the worker's "ready <log end offset>" line; fails at once, with its output, if it exits first.
    /// The output is read once more after the deadline: the unit suite starts every test at once on CI's two cores,
    /// and a test can wait that long for a thread (the worker had printed "ready" in time, and the test failed).
    static func waitForReady(_ child: ChildProcess, output: URL) async throws -> Int64 {
        let timeout = Duration.seconds(60)
        let deadline = ContinuousClock.now + timeout
        while true {
            let pastDeadline = ContinuousClock.now >= deadline
            let exited = child.exitStatus
            if let line = text(output).split(separator: "\n").first(where: { $0.hasPrefix("ready ") }),
                let offset = Int64(line.dropFirst("ready ".count))
            {
                return offset
            }
            if let exited {
                throw FixtureError.processExited(executable: "StorageCrashWorker", status: exited, logTail: text(output))
            }
            if pastDeadline {
                throw FixtureError.timedOut(waitingFor: "StorageCrashWorker ready", after: timeout, lastError: text(output))
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// (base offset of the newest segment, its size): grows with every append, and with every roll.
    static func activeSegmentProgress(_ directory: String) -> SegmentProgress {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard let newest = names.filter({ $0.hasSuffix(".log") }).max() else { return SegmentProgress(baseOffset: -1, sizeBytes: -1) }
        let size = (try? TestLogs.fileSize(directory + "/" + newest)) ?? -1
        return SegmentProgress(baseOffset: Int64(newest.dropLast(4)) ?? -1, sizeBytes: size)
    }

    struct SegmentProgress: Comparable {
        var baseOffset: Int64
        var sizeBytes: Int

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.baseOffset, lhs.sizeBytes) < (rhs.baseOffset, rhs.sizeBytes)
        }
    }

    static func recoveryPoint(_ root: URL) -> Int64 {
        let text = (try? String(contentsOf: root.appendingPathComponent("recovery-point"), encoding: .utf8)) ?? ""
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    static func text(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }
}
