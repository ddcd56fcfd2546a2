import Glibc

/// A tiny `/bin/sh` helper that cleans up after this process if it dies without doing so itself.
///
/// `atexit` covers a normal exit, but not a crash, a `fatalError`, or a SIGKILL from a CI timeout, and those are
/// exactly the runs that would leave JVMs and temp dirs behind. The helper reads lines from a socket whose other
/// end only this process holds (close-on-exec, so no child inherits it): `+pid`/`-pid` to watch or forget a
/// child, `d<path>`/`r<path>` for a directory. However this process ends, the kernel closes its end, the
/// helper's `read` sees end-of-file, SIGKILLs every listed pid with its process group (fixtures start each child
/// as a group leader), waits a moment for them to die, and removes the listed directories (unless
/// `GREGOR_KEEP_TEST_DIRS` is set).
///
/// Thread-safety: the methods may be called from any thread; `ChildRegistry` serializes them so that each
/// `+`/`-` and `d`/`r` pair arrives in order.
final class OrphanWatchdog: Sendable {
    private static let script = """
        set -f
        pids=""
        dirs=""
        newline='
        '
        while IFS= read -r line; do
          case "$line" in
            +*) pids="$pids ${line#+}" ;;
            -*) keep=""; for p in $pids; do [ "$p" = "${line#-}" ] || keep="$keep $p"; done; pids="$keep" ;;
            d*) dirs="$dirs$newline${line#d}" ;;
            r*) keep=""; IFS=$newline
                for d in $dirs; do [ "$d" = "${line#r}" ] || keep="$keep$newline$d"; done
                unset IFS; dirs="$keep" ;;
          esac
        done
        for p in $pids; do kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
        [ -n "$pids" ] && sleep 0.3
        [ -n "$GREGOR_KEEP_TEST_DIRS" ] && exit 0
        IFS=$newline
        for d in $dirs; do rm -rf -- "$d"; done
        """

    /// This process's end of the socket; never closed, so that only process death closes it.
    private let socket: Int32

    private init(socket: Int32) {
        self.socket = socket
    }

    /// Starts the helper, or returns nil if it cannot be started (the `atexit` path still works then).
    /// The helper is not registered as a child: it must outlive this process, and exits by itself.
    static func start() -> OrphanWatchdog? {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            return nil
        }
        defer { close(pair[1]) }
        let arguments = ["-c", script, "gregor-test-watchdog"]
        guard (try? Spawn.start("/bin/sh", arguments: arguments, environment: nil, stdin: pair[1], output: nil)) != nil
        else {
            close(pair[0])
            return nil
        }
        return OrphanWatchdog(socket: pair[0])
    }

    /// Kill `pid` should this process die.
    func watch(pid: Int32) { send("+\(pid)\n") }

    /// `pid` has been reaped and must not be killed (its number may be reused).
    func forget(pid: Int32) { send("-\(pid)\n") }

    /// Remove `path` should this process die. Paths with a line break cannot be sent and are skipped.
    func watch(directory path: String) {
        if !path.contains("\n") { send("d\(path)\n") }
    }

    /// `path` has been removed, or is no longer ours to remove.
    func forget(directory path: String) {
        if !path.contains("\n") { send("r\(path)\n") }
    }

    /// Best effort and never blocking: a dead helper must not take the test process down with SIGPIPE.
    private func send(_ line: String) {
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { raw in
            Glibc.send(socket, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        }
    }
}
