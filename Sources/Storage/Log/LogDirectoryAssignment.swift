import KafkaProtocol

/// Which of the broker's `log.dirs` holds each partition's log, and where a new log goes (Kafka's `nextLogDirs`:
/// the directory with the fewest partition logs, the first configured one on a tie).
///
/// Kept as logs are loaded, created and deleted, so placing a new log and grouping logs per directory for the
/// checkpoint files cost nothing per log already there: a broker creating thousands of partitions once recounted
/// every existing log (a path split each) for every new one, which made topic creation quadratic.
struct LogDirectoryAssignment: Sendable {
    let logDirs: [String]
    private(set) var logDirByPartition: [TopicPartition: String] = [:]
    private var logCountByDir: [String: Int] = [:]

    init(logDirs: [String]) {
        self.logDirs = logDirs
    }

    /// The directory for a new log: the one with the fewest logs; nil without directories.
    var nextLogDir: String? {
        logDirs.min { logCount(in: $0) < logCount(in: $1) }
    }

    func logCount(in logDir: String) -> Int { logCountByDir[logDir, default: 0] }

    func logDir(of topicPartition: TopicPartition) -> String? { logDirByPartition[topicPartition] }

    /// Records that `topicPartition`'s log lives in `logDir` (a log moved between directories counts once, where it is now).
    mutating func assign(_ topicPartition: TopicPartition, to logDir: String) {
        remove(topicPartition)
        logDirByPartition[topicPartition] = logDir
        logCountByDir[logDir, default: 0] += 1
    }

    mutating func remove(_ topicPartition: TopicPartition) {
        guard let logDir = logDirByPartition.removeValue(forKey: topicPartition) else { return }
        let remaining = logCount(in: logDir) - 1
        assert(remaining >= 0, "log count of \(logDir) below zero")
        logCountByDir[logDir] = remaining > 0 ? remaining : nil
    }
}
