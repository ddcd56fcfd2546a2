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

        public init(logDirs: [String], defaultConfig: LogConfig) {
            self.logDirs = logDirs
            self.defaultConfig = defaultConfig
        }
    }

    static let recoveryPointCheckpointFile = "recovery-point-offset-checkpoint"
    static let logStartOffsetCheckpointFile = "log-start-offset-checkpoint"
    static let replicationOffsetCheckpointFile = "replication-offset-checkpoint"

    public let configuration: Configuration
    let logger: Logger
    private let logs: Mutex<[TopicPartition: Log]>
    /// Checkpoint files are rewritten through one temp file each: one writer at a time.
    private let checkpointLock = Mutex(())

    private init(configuration: Configuration, logs: [TopicPartition: Log], logger: Logger) {
        self.configuration = configuration
        self.logs = Mutex(logs)
        self.logger = logger
    }

    /// Loads every log of every directory, recovering where the last shutdown was not clean.
    public static func load(_ configuration: Configuration, logger: Logger) async throws -> LogManager {
        var loaded: [TopicPartition: Log] = [:]
        for dir in configuration.logDirs {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let hadCleanShutdown = CleanShutdownFile.exists(logDir: dir)
            if !hadCleanShutdown { logger.info("No clean shutdown marker in \(dir): logs beyond their recovery point will be recovered") }
            let recoveryPoints = try OffsetCheckpointFile(path: dir + "/" + recoveryPointCheckpointFile).read()
            let startOffsets = try OffsetCheckpointFile(path: dir + "/" + logStartOffsetCheckpointFile).read()
            let partitions = try partitionDirectories(in: dir, logger: logger)
            let logsOfDir = try await withThrowingTaskGroup(of: Log.self, returning: [Log].self) { group in
                var pending = partitions.makeIterator()
                var result: [Log] = []
                func addNext() -> Bool {
                    guard let (tp, path) = pending.next() else { return false }
                    group.addTask {
                        try Log.open(
                            directory: path, topicPartition: tp, config: configuration.defaultConfig,
                            recoveryPoint: recoveryPoints[tp] ?? 0, logStartOffset: startOffsets[tp],
                            hadCleanShutdown: hadCleanShutdown, logger: logger)
                    }
                    return true
                }
                for _ in 0..<max(1, configuration.recoveryThreadsPerDataDir) where addNext() {}
                while let log = try await group.next() {
                    result.append(log)
                    _ = addNext()
                }
                return result
            }
            for log in logsOfDir { loaded[log.topicPartition] = log }
            try CleanShutdownFile.delete(logDir: dir)
            logger.info("Loaded \(logsOfDir.count) log(s) from \(dir)")
        }
        return LogManager(configuration: configuration, logs: loaded, logger: logger)
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
            guard let tp = TopicPartition(directoryName: name) else { continue }
            result.append((tp, path))
        }
        return result
    }

    static let deletedDirectorySuffix = LogFileNames.deleteDirSuffix

    public func log(for topicPartition: TopicPartition) -> Log? {
        logs.withLock { $0[topicPartition] }
    }

    public var allLogs: [Log] { logs.withLock { Array($0.values) } }

    /// The log of `topicPartition`, created empty in the directory with the fewest logs when missing.
    public func getOrCreateLog(_ topicPartition: TopicPartition, config: LogConfig? = nil) throws -> Log {
        // The directory is named after the partition: a name such as `../x` must never become a path.
        do {
            try TopicName.validate(topicPartition.topic)
        } catch {
            throw StorageError.invalidTopicPartition(error.message)
        }
        guard topicPartition.partition >= 0 else {
            throw StorageError.invalidTopicPartition("partition \(topicPartition.partition) is negative")
        }
        return try logs.withLock { logs in
            if let log = logs[topicPartition] { return log }
            var counts = Dictionary(uniqueKeysWithValues: configuration.logDirs.map { ($0, 0) })
            for log in logs.values {
                let parent = (log.directory as NSString).deletingLastPathComponent
                counts[parent, default: 0] += 1
            }
            guard let dir = configuration.logDirs.min(by: { counts[$0, default: 0] < counts[$1, default: 0] }) else {
                throw StorageError.noLogDirectories
            }
            let log = try Log.open(
                directory: dir + "/" + topicPartition.directoryName, topicPartition: topicPartition,
                config: config ?? configuration.defaultConfig, recoveryPoint: 0, logStartOffset: nil,
                hadCleanShutdown: true, logger: logger)
            logs[topicPartition] = log
            logger.info("Created log for partition \(topicPartition) in \(dir)")
            return log
        }
    }

    /// Removes a partition's log and its files (topic deletion, a replica moved away).
    public func deleteLog(_ topicPartition: TopicPartition) throws {
        guard let log = logs.withLock({ $0.removeValue(forKey: topicPartition) }) else { return }
        try log.delete()
        logger.info("Deleted log for partition \(topicPartition)")
    }

    // MARK: checkpoints

    /// Writes each directory's `recovery-point-offset-checkpoint`.
    public func checkpointRecoveryPoints() throws {
        try checkpoint(Self.recoveryPointCheckpointFile) { $0.recoveryPoint }
    }

    /// Writes each directory's `log-start-offset-checkpoint`.
    public func checkpointLogStartOffsets() throws {
        try checkpoint(Self.logStartOffsetCheckpointFile) { $0.logStartOffset }
    }

    /// Writes each directory's `replication-offset-checkpoint` with the high watermarks the replica manager
    /// knows (the storage engine itself has no notion of a high watermark).
    public func checkpointHighWatermarks(_ highWatermarks: [TopicPartition: Int64]) throws {
        try checkpoint(Self.replicationOffsetCheckpointFile) { highWatermarks[$0.topicPartition] }
    }

    public func highWatermarkCheckpoints() throws -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for dir in configuration.logDirs {
            result.merge(try OffsetCheckpointFile(path: dir + "/" + Self.replicationOffsetCheckpointFile).read()) { a, _ in a }
        }
        return result
    }

    private func checkpoint(_ name: String, _ value: (Log) -> Int64?) throws {
        try checkpointLock.withLock { _ in try writeCheckpoint(name, value) }
    }

    private func writeCheckpoint(_ name: String, _ value: (Log) -> Int64?) throws {
        let all = allLogs
        for dir in configuration.logDirs {
            var entries: [TopicPartition: Int64] = [:]
            for log in all where (log.directory as NSString).deletingLastPathComponent == dir {
                if let offset = value(log) { entries[log.topicPartition] = offset }
            }
            try OffsetCheckpointFile(path: dir + "/" + name).write(entries)
        }
    }

    // MARK: lifecycle

    /// Flushes and closes every log, writes the checkpoints and the clean shutdown markers.
    public func shutdown() throws {
        for log in allLogs { try log.close() }
        try checkpointRecoveryPoints()
        try checkpointLogStartOffsets()
        for dir in configuration.logDirs { try CleanShutdownFile.create(logDir: dir) }
        logger.info("Log manager shut down cleanly")
    }
}
