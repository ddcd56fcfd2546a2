import Foundation
import GregorTestSupport
import KafkaProtocol
import Logging
import Testing

@testable import Storage

/// What a broker logs while it loads its logs at startup: a progress line at most every 2 s per log dir, the dir's
/// last log always, and Kafka's "Loaded N logs in X ms." at the end.
@Suite("LogLoadProgress")
struct LogLoadProgressTests {
    @Test("a line only when 2 s passed since the last one, and always for the dir's last log")
    func throttledLines() {
        var progress = LogLoadProgress(dir: "/data/a", total: 4, nowMs: 1_000)
        #expect(progress.loaded(nowMs: 1_500) == nil)
        #expect(progress.loaded(nowMs: 3_000) == "Loading logs from /data/a: 2/4 partitions (50%)")
        #expect(progress.loaded(nowMs: 4_999) == nil)
        #expect(progress.loaded(nowMs: 5_000) == "Loading logs from /data/a: 4/4 partitions (100%)")
    }

    @Test("percent rounds down, so 100% means every log is open")
    func percentRoundsDown() {
        var progress = LogLoadProgress(dir: "d", total: 3, nowMs: 0)
        #expect(progress.loaded(nowMs: 2_000) == "Loading logs from d: 1/3 partitions (33%)")
        #expect(progress.loaded(nowMs: 4_000) == "Loading logs from d: 2/3 partitions (66%)")
    }

    @Test("Kafka 2.8's closing line")
    func completionLine() {
        #expect(LogLoadProgress.completion(logs: 3000, elapsedMs: 5234) == "Loaded 3000 logs in 5234ms.")
    }

    @Test("LogManager.load logs the progress of each dir and the total when it is done")
    func loadLogsProgressAndCompletion() async throws {
        let root = try TemporaryDirectory.make(prefix: "log-load-progress")
        defer { TemporaryDirectory.remove(root) }
        let dirs = [root.appendingPathComponent("a").path, root.appendingPathComponent("b").path]
        let configuration = LogManager.Configuration(logDirs: dirs, defaultConfig: LogConfig())
        let first = try await LogManager.load(configuration, logger: TestLogs.logger)
        for partition in Int32(0)..<5 { _ = try first.getOrCreateLog(TopicPartition("orders", partition)) }
        try first.shutdown()

        let capture = LogCapture()
        let reloaded = try await LogManager.load(configuration, logger: capture.logger(level: .info))
        let messages = capture.lines.filter { $0.level == .info }.map(\.message)
        // Placement alternates between the dirs: a holds 3 logs, b 2.
        #expect(messages.contains("Loading logs from \(dirs[0]): 3/3 partitions (100%)"), "\(messages)")
        #expect(messages.contains("Loading logs from \(dirs[1]): 2/2 partitions (100%)"), "\(messages)")
        let completion = try #require(messages.last, "\(messages)")
        #expect(completion.range(of: #"^Loaded 5 logs in \d+ms\.$"#, options: .regularExpression) != nil, "\(messages)")
        try reloaded.shutdown()
    }
}
