import Foundation

/// Why a fixture could not do what a test asked. Every case carries enough context (a log tail, the paths
/// searched, what was awaited) that a failing CI run can be understood from the error message alone.
public enum FixtureError: Error, CustomStringConvertible, Sendable {
    /// `eventually` (or a fixture's own wait) passed its deadline; `lastError` is the condition's last throw.
    case timedOut(waitingFor: String, after: Duration, lastError: String?)
    /// A child process ended while a fixture still needed it (e.g. before it became ready).
    case processExited(executable: String, status: Int32, logTail: String)
    /// A built executable such as `gregor-server` is not where the tests expect it.
    case binaryNotFound(name: String, searched: [String])
    /// ZooKeeper did not come up; `reason` says why, `logTail` is the end of its `zookeeper.log`.
    case zooKeeperStartFailed(reason: String, logTail: String)
    /// A system call failed (socket, temp dir, file creation).
    case systemCall(String, errno: Int32)
    /// A fixture was asked to act on a process that is not (or no longer) running.
    case notRunning(String)
    /// A 4-letter-word exchange with ZooKeeper did not complete.
    case fourLetterWordFailed(command: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case let .timedOut(what, after, lastError):
            "timed out after \(after) waiting for: \(what)" + (lastError.map { " (last error: \($0))" } ?? "")
        case let .processExited(executable, status, logTail):
            "\(executable) exited with status \(status)\(ExitStatus.explain(status)); log tail:\n\(logTail)"
        case let .binaryNotFound(name, searched):
            "executable '\(name)' not found (set GREGOR_BIN_DIR or build it); searched: "
                + searched.joined(separator: ", ")
        case let .zooKeeperStartFailed(reason, logTail):
            "ZooKeeper did not start: \(reason); log tail:\n\(logTail)"
        case let .systemCall(call, code):
            "\(call) failed: \(errnoText(code)) (errno \(code))"
        case let .notRunning(what):
            "not running: \(what)"
        case let .fourLetterWordFailed(command, port, reason):
            "4-letter word '\(command)' to 127.0.0.1:\(port) failed: \(reason)"
        }
    }
}

/// How fixtures report an exit status: the exit code itself, or `128 + signal` for a death by signal (the shell
/// convention), so that `SIGTERM` shows as 143 and `SIGKILL` as 137.
public enum ExitStatus {
    /// Added to a signal number for a process killed by that signal.
    public static let signalBase: Int32 = 128

    /// The status a fixture reports for a process killed by `signal`.
    public static func killed(by signal: Int32) -> Int32 { signalBase + signal }

    /// Reported when the process was reaped by someone else and its real status is lost.
    public static let unknown: Int32 = -1

    static func explain(_ status: Int32) -> String {
        status > signalBase ? " (signal \(status - signalBase))" : ""
    }
}

/// `strerror` text, via `strerror_r` because the plain one shares a static buffer between threads.
func errnoText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let result = buffer.withUnsafeMutableBufferPointer { raw in
        raw.baseAddress.map { strerror_r(code, $0, raw.count) } ?? EINVAL
    }
    guard result == 0 else { return "errno \(code)" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
