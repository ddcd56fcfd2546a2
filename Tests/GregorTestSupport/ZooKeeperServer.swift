import Foundation
import Glibc
import Synchronization

/// A real, private, standalone ZooKeeper 3.8 server (a JVM) on a free loopback port, in its own temp directory.
///
/// Ownership: the server lives until `stop()` (which also deletes its directory), or until this object goes
/// away or the test process exits (the child-process registry kills it then). `kill()`, `suspend()` and
/// `restart()` exist for tests of ZooKeeper crashing, hanging and coming back: a restarted server uses the same
/// port and data directory, so sessions and znodes survive as they would on a real restart.
///
/// Thread-safety: every method may be called from any task; the current JVM is kept behind a `Mutex`.
public final class ZooKeeperServer: Sendable {
    /// The client port on 127.0.0.1; the same across `restart()`.
    public let port: Int
    /// Private directory holding `zoo.cfg`, `log4j.properties`, `data/` and `zookeeper.log`.
    public let directory: URL
    /// stdout and stderr of every run of the JVM, appended.
    public let logFile: URL
    /// The ZooKeeper connect string: `127.0.0.1:<port>`.
    public var connectString: String { "127.0.0.1:\(port)" }

    let config: ZooKeeperConfig

    private struct State {
        var process: ChildProcess?
        var stopped = false
    }

    private let state: Mutex<State>

    init(port: Int, config: ZooKeeperConfig, process: ChildProcess) {
        self.port = port
        self.config = config
        self.directory = config.directory
        self.logFile = config.logFile
        self.state = Mutex(State(process: process))
    }

    /// Starts a server and returns once it answers `srvr` with `Mode: standalone` (about half a second).
    /// Session timeouts are clamped by the server to [2 * `tickTimeMs`, `maxSessionTimeoutMs`]. If another
    /// program takes the chosen port first, it retries on a new one a few times.
    public static func start(tickTimeMs: Int = 500, maxSessionTimeoutMs: Int = 60000) async throws -> ZooKeeperServer {
        let directory = try TemporaryDirectory.make(prefix: "zk")
        let config = ZooKeeperConfig(
            directory: directory, tickTimeMs: tickTimeMs, maxSessionTimeoutMs: maxSessionTimeoutMs)
        do {
            for _ in 0..<portAttempts {
                let port = FreePort.next()
                try config.write(port: port)
                let deadline = ContinuousClock.now + startTimeout
                if case .serving(let process) = try await launch(config, port: port, deadline: deadline) {
                    return ZooKeeperServer(port: port, config: config, process: process)
                }
            }
            throw FixtureError.zooKeeperStartFailed(
                reason: "the chosen port was taken \(portAttempts) times", logTail: LogFile(url: config.logFile).tail())
        } catch {
            TemporaryDirectory.remove(directory)
            throw error
        }
    }

    /// The current JVM's pid, or nil if it is not running.
    public var pid: Int32? {
        state.withLock { $0.process?.isRunning == true ? $0.process?.pid : nil }
    }

    /// True while the JVM is alive (it may still be suspended or not yet serving).
    public var isRunning: Bool { pid != nil }

    /// Stops the server for good: SIGTERM, SIGKILL after 5 s, then deletes its directory. Idempotent.
    public func stop() async {
        let process = state.withLock { state -> ChildProcess? in
            state.stopped = true
            defer { state.process = nil }
            return state.process
        }
        if let process { await process.stop(gracePeriod: .seconds(5)) }
        TemporaryDirectory.remove(directory)
    }

    /// Crashes the server with SIGKILL (no clean shutdown). Returns at once; `restart()` waits for the exit.
    public func kill() {
        state.withLock { $0.process }?.signal(SIGKILL)
    }

    /// Freezes the JVM (SIGSTOP) and returns once it is fully stopped: connections stay open but nothing
    /// answers, so clients' sessions time out as they do against a hung server. `resume()` continues it.
    public func suspend() async throws {
        guard let process = state.withLock({ $0.process }) else {
            throw FixtureError.notRunning("suspend() of ZooKeeper on port \(port)")
        }
        try await process.suspend()
    }

    /// Continues a JVM frozen by `suspend()`.
    public func resume() {
        state.withLock { $0.process }?.resume()
    }

    /// Starts the server again on the same port and data directory, after ending the current JVM if it still
    /// runs (SIGTERM). Returns once it serves; retries for a while if the port is briefly held by someone else.
    public func restart() async throws {
        let old = try state.withLock { state -> ChildProcess? in
            guard !state.stopped else {
                throw FixtureError.notRunning("restart() of ZooKeeper on port \(port) after stop()")
            }
            defer { state.process = nil }
            return state.process
        }
        if let old { await old.stop(gracePeriod: .seconds(5)) }
        let deadline = ContinuousClock.now + Self.startTimeout
        while true {
            if case .serving(let process) = try await Self.launch(config, port: port, deadline: deadline) {
                let stopped = state.withLock { state -> Bool in
                    if !state.stopped { state.process = process }
                    return state.stopped
                }
                // A concurrent stop() won; do not leave a JVM it cannot see.
                if stopped { await process.stop() }
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static let portAttempts = 5
    static let startTimeout: Duration = .seconds(60)
}

/// Runs `body` with a fresh server and always stops it afterwards, also when `body` throws.
nonisolated(nonsending)
public func withZooKeeperServer<Result>(
    tickTimeMs: Int = 500, maxSessionTimeoutMs: Int = 60000,
    _ body: (ZooKeeperServer) async throws -> Result
) async throws -> Result {
    let server = try await ZooKeeperServer.start(tickTimeMs: tickTimeMs, maxSessionTimeoutMs: maxSessionTimeoutMs)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
