import KafkaProtocol
import Foundation
import Logging
import Synchronization

/// All partition logs of a broker, across its `log.dirs` (Kafka's `LogManager`): loads them at startup (recovering
/// after an unclean shutdown), creates and deletes them, runs retention and time-based flushing, and keeps the
/// per-directory checkpoints. A clean `shutdown` leaves `.kafka_cleanshutdown` in each directory; its absence at
/// the next start is what triggers recovery.
public final class LogManager: Sendable {
    public struct Configuration: Sendable {
        public var logDirs: [String]
        public var defaultConfig: LogConfig
        /// `log.retention.check.interval.ms`
        public var retentionCheckIntervalMs: Int64 = 300_000
        /// `log.flush.scheduler.interval.ms`: how often `log.flush.interval.ms` is checked.
        public var flushCheckIntervalMs: Int64 = .max
        /// `log.flush.offset.checkpoint.interval.ms`
        public var recoveryPointCheckpointIntervalMs: Int64 = 60_000
        /// `log.flush.start.offset.checkpoint.interval.ms`
        public var logStartOffsetCheckpointIntervalMs: Int64 = 60_000
        /// `num.recovery.threads.per.data.dir`
        public var recoveryThreadsPerDataDir: Int = 1
        /// Where segment files' descriptors come from: the process's budget, unless a test gives its own.
        public var descriptors: FileDescriptorBudget = .process

        public init(logDirs: [String], defaultConfig: LogConfig) {
            self.logDirs = logDirs
            self.defaultConfig = defaultConfig
        }
    }

    static let recoveryPointCheckpointFile = "recovery-point-offset-checkpoint"
    static let logStartOffsetCheckpointFile = "log-start-offset-checkpoint"
    static let replicationOffsetCheckpointFile = "replication-offset-checkpoint"

    /// Every log by partition, and the directory each is in.
    struct Logs {
        var byPartition: [TopicPartition: Log] = [:]
        var directories: LogDirectoryAssignment
        /// Where AlterReplicaLogDirs asked a partition without a log here to be created (Kafka's `preferredLogDirs`).
        var preferredLogDirs: [TopicPartition: String] = [:]
    }

    public let configuration: Configuration
    let logger: Logger
    let logs: Mutex<Logs>
    /// Creations, deletions and moves of logs, one at a time (Kafka's `logCreationOrDeletionLock`): they do file
    /// I/O, which must not hold `logs`, taken by every lookup.
    let creationOrDeletionLock = Mutex(())
    /// Logs moving between log dirs (AlterReplicaLogDirs), copied one at a time on `moveQueue`.
    let moves = Mutex(LogMoves())
    let moveQueue = DispatchQueue(label: "gregor.log-manager.log-dir-moves")
    /// Checkpoint files are rewritten through one temp file each: one writer at a time. Holds what each file (by
    /// path) was last written with, so a file whose entries did not change is not rewritten: with thousands of idle
    /// partitions the high watermark checkpoint every 5 s was a sort, a line per partition and an fsync'd rename,
    /// for the same bytes.
    private let checkpointLock = Mutex<[String: [CheckpointEntry]]>([:])

    /// One line of a checkpoint file, in the order the logs were listed.
    private struct CheckpointEntry: Equatable {
        var topicPartition: TopicPartition
        var offset: Int64
    }
    /// Where the periodic tasks run, one at a time (Kafka's `KafkaScheduler`): they write checkpoint files, delete
    /// segments and flush, blocking file I/O that must not hold one of Swift's few cooperative threads (a
    /// recovery-point checkpoint after a failover also writes thousands of `leader-epoch-checkpoint` files).
    let schedulerQueue = DispatchQueue(label: "gregor.log-manager.scheduler")

    private init(configuration: Configuration, logs: Logs, logger: Logger) {
        self.configuration = configuration
        self.logs = Mutex(logs)
        self.logger = logger
    }

    /// Loads every log of every directory, recovering where the last shutdown was not clean.
    public static func load(_ configuration: Configuration, logger: Logger) async throws -> LogManager {
        var loaded = Logs(directories: LogDirectoryAssignment(logDirs: configuration.logDirs))
        var partitionsByDir: [[(TopicPartition, String)]] = []
        for dir in configuration.logDirs {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            partitionsByDir.append(try partitionDirectories(in: dir, logger: logger))
        }
        try checkNoDuplicates(partitionsByDir)
        try checkSegmentsFitTheBudget(partitionsByDir.joined().map(\.1), descriptors: configuration.descriptors)
        let clock = ContinuousClock()
        let start = clock.now
        logger.info("Loading logs from log dirs \(configuration.logDirs)")
        for (dir, partitions) in zip(configuration.logDirs, partitionsByDir) {
            let hadCleanShutdown = CleanShutdownFile.exists(logDir: dir)
            if !hadCleanShutdown { logger.info("No clean shutdown marker in \(dir): logs beyond their recovery point will be recovered") }
            let recoveryPoints = try OffsetCheckpointFile(path: dir + "/" + recoveryPointCheckpointFile).read()
            let startOffsets = try OffsetCheckpointFile(path: dir + "/" + logStartOffsetCheckpointFile).read()
            var progress = LogLoadProgress(dir: dir, total: partitions.count, nowMs: Self.milliseconds(clock.now - start))
            let logsOfDir = try await withThrowingTaskGroup(of: Log.self, returning: [Log].self) { group in
                var pending = partitions.makeIterator()
                var result: [Log] = []
                func addNext() -> Bool {
                    guard let (tp, path) = pending.next() else { return false }
                    group.addTask {
                        try Log.open(
                            directory: path, topicPartition: tp, config: configuration.defaultConfig,
                            recoveryPoint: recoveryPoints[tp] ?? 0, logStartOffset: startOffsets[tp],
                            hadCleanShutdown: hadCleanShutdown, descriptors: configuration.descriptors, logger: logger)
                    }
                    return true
                }
                for _ in 0..<max(1, configuration.recoveryThreadsPerDataDir) where addNext() {}
                while let log = try await group.next() {
                    result.append(log)
                    if let line = progress.loaded(nowMs: Self.milliseconds(clock.now - start)) { logger.info("\(line)") }
                    _ = addNext()
                }
                return result
            }
            for log in logsOfDir {
                loaded.byPartition[log.topicPartition] = log
                loaded.directories.assign(log.topicPartition, to: dir)
            }
            try CleanShutdownFile.delete(logDir: dir)
        }
        logger.info("\(LogLoadProgress.completion(logs: loaded.byPartition.count, elapsedMs: Self.milliseconds(clock.now - start)))")
        return LogManager(configuration: configuration, logs: loaded, logger: logger)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Every segment file of every log stays open, so a broker whose logs have more segments than its descriptor
    /// budget allows cannot start: it says so at once rather than running out of descriptors halfway through
    /// loading (which kills the process).
    private static func checkSegmentsFitTheBudget(_ partitionPaths: [String], descriptors: FileDescriptorBudget) throws {
        let capacity = descriptors.ceiling(for: .existingConsumer)
        var segments = 0
        for path in partitionPaths {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            segments += names.count { $0.hasSuffix(LogFileNames.logSuffix) }
        }
        if segments > capacity { throw StorageError.tooManySegments(count: segments, capacity: capacity) }
    }

    private static func partitionDirectories(in dir: String, logger: Logger) throws -> [(TopicPartition, String)] {
        var result: [(TopicPartition, String)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            let path = dir + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            if name.hasSuffix(deletedDirectorySuffix) {
                logger.info("Deleting \(path), left by an interrupted topic deletion")
                try FileManager.default.removeItem(atPath: path)
                continue
            }
            if name.hasSuffix(LogFileNames.futureDirSuffix) {
                // A move to this log dir that did not complete: the log it copied is whole where it was.
                logger.info("Deleting \(path), left by an interrupted move between log dirs")
                try FileManager.default.removeItem(atPath: path)
                continue
            }
            guard let tp = TopicPartition(directoryName: name) else { continue }
            result.append((tp, path))
        }
        return result
    }

    static let deletedDirectorySuffix = LogFileNames.deleteDirSuffix

    public func log(for topicPartition: TopicPartition) -> Log? {
        logs.withLock { $0.byPartition[topicPartition] }
    }

    public var allLogs: [Log] { logs.withLock { Array($0.byPartition.values) } }

    /// The log of `topicPartition`, created empty in the directory with the fewest logs when missing. Every failure
    /// is a `StorageError`.
    public func getOrCreateLog(_ topicPartition: TopicPartition, config: LogConfig? = nil) throws -> Log {
        if let log = log(for: topicPartition) { return log }
        // The directory is named after the partition: a name such as `../x` must never become a path.
        do {
            try TopicName.validate(topicPartition.topic)
        } catch {
            throw StorageError.invalidTopicPartition(error.message)
        }
        guard topicPartition.partition >= 0 else {
            throw StorageError.invalidTopicPartition("partition \(topicPartition.partition) is negative")
        }
        return try creationOrDeletionLock.withLock { _ in
            let (existing, next) = logs.withLock {
                ($0.byPartition[topicPartition], $0.preferredLogDirs[topicPartition] ?? $0.directories.nextLogDir)
            }
            if let existing { return existing }
            guard let dir = next else { throw StorageError.noLogDirectories }
            let directory = dir + "/" + topicPartition.directoryName
            let existed = FileManager.default.fileExists(atPath: directory)
            let log: Log
            do {
                log = try Log.open(
                    directory: directory, topicPartition: topicPartition,
                    config: config ?? configuration.defaultConfig, recoveryPoint: 0, logStartOffset: nil,
                    hadCleanShutdown: true, newSegmentUse: .newConsumer, descriptors: configuration.descriptors,
                    logger: logger)
            } catch {
                // No half-made partition directory is left for the next startup to load. Whatever failed (a
                // descriptor, a full disk, the directory, an index mapping), the log cannot be hosted here: a
                // StorageError, KAFKA_STORAGE_ERROR to the controller.
                if !existed { try? FileManager.default.removeItem(atPath: directory) }
                if let error = error as? StorageError { throw error }
                throw StorageError.logCreationFailed(topicPartition.description, reason: "\(error)")
            }
            logs.withLock { logs in
                logs.byPartition[topicPartition] = log
                logs.directories.assign(topicPartition, to: dir)
                logs.preferredLogDirs[topicPartition] = nil
            }
            logger.info("Created log for partition \(topicPartition) in \(dir)")
            return log
        }
    }

    /// Removes a partition's log and its files (topic deletion, a replica moved away).
    public func deleteLog(_ topicPartition: TopicPartition) throws {
        try creationOrDeletionLock.withLock { _ in
            let removed = logs.withLock { logs in
                defer { logs.directories.remove(topicPartition) }
                return logs.byPartition.removeValue(forKey: topicPartition)
            }
            guard let log = removed else { return }
            try log.delete()
            logger.info("Deleted log for partition \(topicPartition)")
        }
    }

    // MARK: checkpoints

    /// Writes each directory's `recovery-point-offset-checkpoint`, and the `leader-epoch-checkpoint` of each log
    /// whose new leader epoch is only in memory (`Log.assignEpochStartOffset`).
    public func checkpointRecoveryPoints() throws {
        for log in allLogs { log.checkpointLeaderEpochs() }
        try checkpoint(Self.recoveryPointCheckpointFile) { $0.recoveryPoint }
    }

    /// Writes each directory's `log-start-offset-checkpoint`.
    public func checkpointLogStartOffsets() throws {
        try checkpoint(Self.logStartOffsetCheckpointFile) { $0.logStartOffset }
    }

    /// Writes each directory's `replication-offset-checkpoint` with the high watermarks the replica manager
    /// knows (the storage engine itself has no notion of a high watermark); a log it has none for is left out.
    public func checkpointHighWatermarks(_ highWatermark: (TopicPartition) -> Int64?) throws {
        try checkpoint(Self.replicationOffsetCheckpointFile) { highWatermark($0.topicPartition) }
    }

    public func highWatermarkCheckpoints() throws -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for dir in configuration.logDirs {
            result.merge(try OffsetCheckpointFile(path: dir + "/" + Self.replicationOffsetCheckpointFile).read()) { a, _ in a }
        }
        return result
    }

    private func checkpoint(_ name: String, _ value: (Log) -> Int64?) throws {
        try checkpointLock.withLock { lastWritten in try writeCheckpoint(name, value, lastWritten: &lastWritten) }
    }

    private func writeCheckpoint(
        _ name: String, _ value: (Log) -> Int64?, lastWritten: inout [String: [CheckpointEntry]]
    ) throws {
        let dirs = configuration.logDirs
        let placed = logs.withLock { logs in
            logs.byPartition.map { topicPartition, log in (log, logs.directories.logDir(of: topicPartition)) }
        }
        // Listed in the logs' order, which stays the same while no log comes or goes: an unchanged checkpoint is
        // then found equal line by line, without building and comparing a map of thousands of partitions.
        var entriesByDir = [[CheckpointEntry]](repeating: [], count: dirs.count)
        for (log, dir) in placed {
            guard let dir, let index = dirs.firstIndex(of: dir), let offset = value(log) else { continue }
            entriesByDir[index].append(CheckpointEntry(topicPartition: log.topicPartition, offset: offset))
        }
        for (dir, entries) in zip(dirs, entriesByDir) {
            let path = dir + "/" + name
            // Rewritten when the entries changed, or when the file is gone (an operator's rm, a replaced disk).
            if lastWritten[path] == entries, access(path, F_OK) == 0 { continue }
            lastWritten[path] = nil
            let offsets = Dictionary(entries.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { _, last in last })
            try OffsetCheckpointFile(path: path).write(offsets)
            lastWritten[path] = entries
        }
    }

    // MARK: lifecycle

    /// Flushes and closes every log, writes the checkpoints and the clean shutdown markers (Kafka's
    /// `LogManager.shutdown`). Each directory's logs close on `num.recovery.threads.per.data.dir` threads, all
    /// directories at once. A directory where a log failed to close gets no clean shutdown marker, so the next start
    /// recovers it; the others still get theirs. Throws the first failure after all that.
    public func shutdown() throws {
        moves.withLock { $0.shuttingDown = true }
        let dirs = configuration.logDirs
        let logsByDir = logs.withLock { logs in
            var lanes = [[Log]](repeating: [], count: max(1, dirs.count))
            for (topicPartition, log) in logs.byPartition {
                // Every log has its directory; one without would still be closed, with the first directory's.
                let lane = logs.directories.logDir(of: topicPartition).flatMap { dirs.firstIndex(of: $0) } ?? 0
                lanes[lane].append(log)
            }
            return lanes
        }
        let threads = max(1, configuration.recoveryThreadsPerDataDir)
        logger.info("Flushing and closing \(logsByDir.joined().count) logs in \(dirs) on \(threads) thread(s) per directory")
        let failures = BlockingThreads.forEach(lanes: logsByDir, threadsPerLane: threads, name: "log-close") { log in
            try log.close()
        }
        try checkpointRecoveryPoints()
        try checkpointLogStartOffsets()
        for (dir, errors) in zip(dirs, failures) {
            if errors.isEmpty {
                try CleanShutdownFile.create(logDir: dir)
            } else {
                logger.error(
                    "\(errors.count) log(s) in \(dir) failed to close, the first with \(errors[0]); the next start recovers this directory")
            }
        }
        if let first = failures.joined().first { throw first }
        logger.info("Log manager shut down cleanly")
    }
}
