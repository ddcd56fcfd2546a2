import Foundation
import Glibc
import Synchronization

/// One child process started by a fixture, with stdin from /dev/null and stdout+stderr appended to a file.
///
/// Ownership: the child lives at most as long as this object. It is listed in `ChildRegistry` from spawn until it
/// has been reaped, so it is killed at exit (or by the watchdog on a crash) if a test forgets it, and `deinit`
/// SIGKILLs it if the last reference goes away while it still runs.
///
/// Exit statuses follow `ExitStatus`: the exit code, or `128 + signal` for a death by signal.
///
/// Thread-safety: all methods may be called from any task. The child is reaped (`waitpid` with `WNOHANG`) only
/// under this object's lock, and signals are sent under the same lock, so a signal can never hit a recycled
/// pid. Waiting polls with `Task.sleep`, so it never blocks a thread of Swift's cooperative pool.
public final class ChildProcess: Sendable {
    /// Process id; the child is the leader of its own process group.
    public let pid: Int32
    /// The program that was started, for messages.
    public let executable: URL
    /// Where stdout and stderr go (opened for appending).
    public let outputFile: URL

    /// The exit status once reaped.
    private let status = Mutex<Int32?>(nil)

    private init(pid: Int32, executable: URL, outputFile: URL) {
        self.pid = pid
        self.executable = executable
        self.outputFile = outputFile
    }

    deinit {
        guard isRunning else { return }
        signal(SIGKILL)
        // A SIGKILLed process ends within milliseconds; reap it so no zombie is left. If it takes longer, the
        // registry still lists it and kills it again at exit.
        var attempts = 0
        while isRunning, attempts < 100 {
            usleep(1_000)
            attempts += 1
        }
    }

    /// Starts `executable` with `arguments`; stdout and stderr are appended to `outputFile` (created if
    /// missing). `environment` nil means this process's environment.
    public static func launch(
        _ executable: URL, arguments: [String], outputFile: URL, environment: [String: String]? = nil
    ) throws -> ChildProcess {
        let output = open(outputFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FixtureError.systemCall("open(\(outputFile.path))", errno: errno) }
        defer { close(output) }
        // Registered before anything can reap it: only this object's own lock (not yet shared) reaps it.
        let pid = try Spawn.start(
            executable.path, arguments: arguments, environment: environment, stdin: nil, output: output)
        ChildRegistry.shared.add(pid: pid)
        return ChildProcess(pid: pid, executable: executable, outputFile: outputFile)
    }

    /// True until the child has ended (and been reaped).
    public var isRunning: Bool { exitStatus == nil }

    /// The exit status once the child has ended (see `ExitStatus`), else nil.
    public var exitStatus: Int32? {
        status.withLock { reapIfEnded(&$0) }
    }

    /// Sends `signal` to the child (not its group) unless it has already ended.
    public func signal(_ signal: Int32) {
        status.withLock { status in
            if reapIfEnded(&status) == nil { Glibc.kill(pid, signal) }
        }
    }

    /// Waits for the child to end and returns its status; throws `FixtureError.timedOut` after `timeout`.
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus { return status }
            guard ContinuousClock.now < deadline else {
                throw FixtureError.timedOut(
                    waitingFor: "\(executable.lastPathComponent) (pid \(pid)) to exit", after: timeout,
                    lastError: nil)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Teardown: SIGTERM, then SIGKILL if the child is still running after `gracePeriod`. Returns the status.
    /// Never throws, and still waits in a cancelled task: teardown must finish whatever happened to the test.
    @discardableResult
    public func stop(gracePeriod: Duration = .seconds(5)) async -> Int32 {
        signal(SIGTERM)
        if let status = await exitStatus(before: ContinuousClock.now + gracePeriod) { return status }
        signal(SIGKILL)
        // The kernel ends a SIGKILLed process promptly; only a child stuck in uninterruptible I/O takes longer.
        return await exitStatus(before: ContinuousClock.now + .seconds(10)) ?? ExitStatus.killed(by: SIGKILL)
    }

    private func exitStatus(before deadline: ContinuousClock.Instant) async -> Int32? {
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            await pauseIgnoringCancellation(.milliseconds(10))
        }
        return exitStatus
    }

    /// Call with the lock held.
    private func reapIfEnded(_ status: inout Int32?) -> Int32? {
        if status == nil, let ended = Spawn.reap(pid) {
            status = ended
            ChildRegistry.shared.remove(pid: pid)
        }
        return status
    }
}

/// Sleeps without giving up on cancellation; in a cancelled task it blocks the thread for the (short) pause
/// because `Task.sleep` would return at once and turn the caller's loop into a busy wait.
func pauseIgnoringCancellation(_ duration: Duration) async {
    if Task.isCancelled {
        let (seconds, attoseconds) = duration.components
        usleep(useconds_t(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    } else {
        try? await Task.sleep(for: duration)
    }
}
