/// The lines a broker logs while `LogManager.load` opens the partition directories of one log dir, so an operator
/// watching a slow start (thousands of partitions, or recovery after a crash) sees how far it is. Kafka 2.8 logs
/// every log it loads ("Completed load of ... (n/N loaded in <dir>)") and "Loaded N logs in X ms." at the end;
/// this keeps Kafka's closing line and, instead of one line per log, one every `intervalMs` at most, plus the
/// last log of the dir. A value with the time passed in, so the rule is tested without a clock.
struct LogLoadProgress {
    static let intervalMs: Int64 = 2_000

    let dir: String
    let total: Int
    private(set) var loaded = 0
    private var lastReportMs: Int64

    init(dir: String, total: Int, nowMs: Int64) {
        self.dir = dir
        self.total = total
        self.lastReportMs = nowMs
    }

    /// One more log of the dir is open: the line to log, if one is due (always for the dir's last log).
    mutating func loaded(nowMs: Int64) -> String? {
        loaded += 1
        guard loaded >= total || nowMs - lastReportMs >= Self.intervalMs else { return nil }
        lastReportMs = nowMs
        return line
    }

    /// `Loading logs from /var/kafka: 1500/3000 partitions (50%)`
    var line: String {
        let percent = total > 0 ? loaded * 100 / total : 100
        return "Loading logs from \(dir): \(loaded)/\(total) partitions (\(percent)%)"
    }

    /// Kafka's closing line: `Loaded 3000 logs in 5234ms.`
    static func completion(logs: Int, elapsedMs: Int64) -> String {
        "Loaded \(logs) logs in \(elapsedMs)ms."
    }
}
