import Foundation
import KafkaProtocol

/// The moves AlterReplicaLogDirs asked for: the latest destination per partition, and how far the running copy is.
struct LogMoves: Sendable {
    var wanted: [TopicPartition: String] = [:]
    /// The move being copied now: its partition, destination log dir and bytes copied.
    var running: (topicPartition: TopicPartition, logDir: String, bytes: Int)?
    var shuttingDown = false
}

extension LogManager {
    /// One log dir as DescribeLogDirs shows it (Kafka's `LogDirInfo`).
    public struct LogDirDescription: Sendable {
        public struct Replica: Sendable {
            public var topicPartition: TopicPartition
            public var sizeInBytes: Int
            public var logEndOffset: Int64
            /// A copy AlterReplicaLogDirs is making here, which will replace the partition's current log.
            public var isFuture: Bool
        }

        /// The absolute path, as Kafka reports it.
        public var path: String
        /// Why the directory cannot be used (it is gone, or not a directory): KAFKA_STORAGE_ERROR.
        public var error: StorageError?
        public var replicas: [Replica]
    }

    /// The absolute form of a log dir, as Kafka's `File.getAbsolutePath` gives it (no symlinks resolved).
    public static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Which log dir (as configured) holds the partition's log; nil when it has none here.
    public func logDir(of topicPartition: TopicPartition) -> String? {
        logs.withLock { $0.directories.logDir(of: topicPartition) }
    }

    /// Every configured log dir with its logs, and the log being copied into it, if any.
    public func describeLogDirs() -> [LogDirDescription] {
        let placed = logs.withLock { logs in
            logs.byPartition.map { tp, log in (log, logs.directories.logDir(of: tp)) }
        }
        let running = moves.withLock { $0.running }
        return configuration.logDirs.map { dir in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                return LogDirDescription(
                    path: Self.absolutePath(dir), error: .io("stat", path: dir, errno: ENOENT), replicas: [])
            }
            var replicas = placed.filter { $0.1 == dir }.map { log, _ in
                LogDirDescription.Replica(
                    topicPartition: log.topicPartition, sizeInBytes: log.sizeInBytes, logEndOffset: log.logEndOffset,
                    isFuture: false)
            }
            if let running, running.logDir == dir {
                // The copy holds everything but what phase 2 adds: its end is unknown until then, so -1.
                replicas.append(.init(topicPartition: running.topicPartition, sizeInBytes: running.bytes, logEndOffset: -1, isFuture: true))
            }
            return LogDirDescription(path: Self.absolutePath(dir), error: nil, replicas: replicas)
        }
    }

    /// AlterReplicaLogDirs for one partition: `logDir` (absolute, as the request names it) must be one of
    /// `log.dirs`, else `logDirNotFound`. A partition without a log here will be created there (and this returns
    /// false); one with a log elsewhere is moved there in the background (true). Already there: true, nothing to do.
    @discardableResult
    public func alterLogDir(_ topicPartition: TopicPartition, to logDir: String) throws(StorageError) -> Bool {
        guard let dir = configuration.logDirs.first(where: { Self.absolutePath($0) == Self.absolutePath(logDir) }) else {
            throw .logDirNotFound(logDir)
        }
        let current = logs.withLock { logs -> String? in
            if logs.byPartition[topicPartition] == nil { logs.preferredLogDirs[topicPartition] = dir }
            return logs.directories.logDir(of: topicPartition)
        }
        guard let current else { return false }
        let queued = moves.withLock { moves -> Bool in
            guard current != dir || moves.wanted[topicPartition] != nil else { return false }
            moves.wanted[topicPartition] = dir
            return true
        }
        if queued { moveQueue.async { self.runMove(topicPartition) } }
        return true
    }

    /// Moves a partition to the log dir last asked for, unless it is there already (each request queued a run).
    private func runMove(_ topicPartition: TopicPartition) {
        guard let dir = moves.withLock({ $0.shuttingDown ? nil : $0.wanted[topicPartition] }) else { return }
        defer {
            moves.withLock { moves in
                moves.running = nil
                if moves.wanted[topicPartition] == dir { moves.wanted[topicPartition] = nil }
            }
        }
        guard let log = log(for: topicPartition), let current = logDir(of: topicPartition), current != dir else { return }
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let future = dir + "/" + topicPartition.directoryName + "." + id + LogFileNames.futureDirSuffix
        do {
            moves.withLock { $0.running = (topicPartition, dir, 0) }
            try FileManager.default.createDirectory(atPath: future, withIntermediateDirectories: false)
            let keepGoing = { [self] in moves.withLock { !$0.shuttingDown && $0.wanted[topicPartition] == dir } }
            guard let copied = try log.copyInactiveSegments(into: future, keepGoing: keepGoing) else {
                try? FileManager.default.removeItem(atPath: future)
                return
            }
            moves.withLock { $0.running?.bytes = copied.sizes.values.reduce(0, +) }
            let retired = try creationOrDeletionLock.withLock { _ -> String? in
                guard keepGoing(), self.log(for: topicPartition) === log else { return nil }
                let retired = current + "/" + topicPartition.directoryName + "." + id + LogManager.deletedDirectorySuffix
                let done = try log.completeMove(
                    from: future, to: dir + "/" + topicPartition.directoryName, copied: copied, retired: retired)
                logs.withLock { $0.directories.assign(topicPartition, to: dir) }
                return done
            }
            guard let retired else {
                try? FileManager.default.removeItem(atPath: future)
                return
            }
            try? FileManager.default.removeItem(atPath: retired)
            try checkpointRecoveryPoints()
            try checkpointLogStartOffsets()
        } catch {
            logger.error("Moving the log of \(topicPartition) to \(dir) failed: \(error)")
            try? FileManager.default.removeItem(atPath: future)
        }
    }

    /// A partition in two log dirs at startup is what a crash between the two renames of a move leaves: the broker
    /// cannot know which copy is current, so it refuses to start (Kafka's message, verbatim).
    static func checkNoDuplicates(_ partitionsByDir: [[(TopicPartition, String)]]) throws {
        var seen: [TopicPartition: String] = [:]
        for (tp, path) in partitionsByDir.joined() {
            if let first = seen[tp] {
                throw StorageError.duplicateLogDirectories(tp.description, first: first, second: path)
            }
            seen[tp] = path
        }
    }
}
