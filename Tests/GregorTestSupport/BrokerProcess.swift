import Foundation
import Glibc

/// A broker process (normally `gregor-server`) started the way an operator starts one:
/// `<executable> <dir>/server.properties [--override key=value ...]`, stdout and stderr appended to
/// `<dir>/broker.log`.
///
/// Ownership: the process lives until it exits, `stop()`/`kill()` ends it, this object goes away, or the test
/// process exits (the child-process registry kills it). The directory outlives the process so a test can read
/// the log or start a new broker in it (pass it as `directory:`, e.g. to keep `log.dirs` inside it across a
/// restart); a directory the fixture made is deleted at process exit, one the caller passed is the caller's.
///
/// Thread-safety: every method may be called from any task.
public final class BrokerProcess: Sendable {
    /// The broker's own directory: `server.properties`, `broker.log`, and whatever the test keeps there.
    public let directory: URL
    /// stdout and stderr of every broker run in `directory`, appended.
    public let logFile: URL
    /// The properties file passed as the first argument.
    public let propertiesFile: URL

    private let process: ChildProcess
    /// Where this run's output starts in `logFile`.
    private let logStart: UInt64

    private init(directory: URL, propertiesFile: URL, log: LogFile, logStart: UInt64, process: ChildProcess) {
        self.directory = directory
        self.logFile = log.url
        self.propertiesFile = propertiesFile
        self.logStart = logStart
        self.process = process
    }

    /// Writes `properties` (sorted by key, escaped like Java's `Properties.store`) to `server.properties` in
    /// `directory` (a fresh temp dir if nil) and starts `executable` with that file and one `--override k=v`
    /// pair per entry of `overrides` (sorted by key). Does not wait for the broker to be ready: use
    /// `waitForLog(containing:timeout:)` or a port probe for that.
    public static func start(
        executable: URL, properties: [String: String], overrides: [String: String] = [:], directory: URL? = nil
    ) throws -> BrokerProcess {
        let directory = try directory ?? TemporaryDirectory.make(prefix: "broker")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let propertiesFile = directory.appendingPathComponent("server.properties")
        try PropertiesText.render(properties).write(to: propertiesFile, atomically: true, encoding: .utf8)
        var arguments = [propertiesFile.path]
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            arguments += ["--override", "\(key)=\(value)"]
        }
        let log = LogFile(url: directory.appendingPathComponent("broker.log"))
        let logStart = log.size()
        let process = try ChildProcess.launch(executable, arguments: arguments, outputFile: log.url)
        return BrokerProcess(
            directory: directory, propertiesFile: propertiesFile, log: log, logStart: logStart, process: process)
    }

    public var pid: Int32 { process.pid }

    /// True until the process has exited and been reaped.
    public var isRunning: Bool { process.isRunning }

    /// What this run has written so far (earlier runs in the same directory are left out).
    public func log() -> String {
        LogFile(url: logFile).text(from: logStart)
    }

    /// Waits until this run's output contains `text`. Fails early, with the log tail, if the process exits
    /// without having written it, and with `FixtureError.timedOut` after `timeout`.
    public func waitForLog(containing text: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            // Read the exit status first: output written before the exit is then already in the file.
            let status = process.exitStatus
            if log().contains(text) { return }
            if let status {
                throw FixtureError.processExited(
                    executable: process.executable.lastPathComponent, status: status,
                    logTail: LogFile(url: logFile).tail(from: logStart))
            }
            guard ContinuousClock.now < deadline else {
                throw FixtureError.timedOut(
                    waitingFor: "'\(text)' in \(logFile.path)", after: timeout,
                    lastError: "log tail:\n" + LogFile(url: logFile).tail(from: logStart, lines: 20))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// SIGTERM: asks for a controlled shutdown. Returns at once.
    public func terminate() { process.signal(SIGTERM) }

    /// SIGKILL: a crash, with no chance to clean up. Returns at once.
    public func kill() { process.signal(SIGKILL) }

    /// Freezes the process (SIGSTOP) and returns once it is fully stopped: its sockets stay open but it answers
    /// nothing and sends no heartbeats, like a hung broker. `resume()` continues it.
    public func suspend(timeout: Duration = .seconds(5)) async throws {
        try await process.suspend(timeout: timeout)
    }

    /// Continues a process frozen by `suspend()`.
    public func resume() { process.resume() }

    /// Waits for the process to end: its exit code, or `128 + signal` if a signal killed it (see `ExitStatus`).
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        try await process.waitForExit(timeout: timeout)
    }

    /// Teardown: SIGTERM, SIGKILL if still running after `gracePeriod`; returns the exit status. Never throws.
    @discardableResult
    public func stop(gracePeriod: Duration = .seconds(10)) async -> Int32 {
        await process.stop(gracePeriod: gracePeriod)
    }
}
