import Foundation
import Glibc
import Synchronization

/// Process-wide record of the child processes and temporary directories that fixtures created and have not
/// cleaned up yet, so that no JVM, broker or temp dir outlives the test run.
///
/// Contract: a pid is added right after it is spawned and removed once it has been reaped, so a pid listed here
/// still names our child (never a recycled number). At normal process exit an `atexit` handler SIGKILLs every
/// listed process group and removes every listed directory (kept if `GREGOR_KEEP_TEST_DIRS` is set, for
/// post-mortems); if the test process crashes instead, `OrphanWatchdog` does both.
///
/// Thread-safety: all state sits behind one `Mutex`; the watchdog is only written to while holding it.
final class ChildRegistry: Sendable {
    static let shared = ChildRegistry()

    private struct State {
        var pids: Set<Int32> = []
        var directories: Set<String> = []
        var installed = false
        var watchdog: OrphanWatchdog?
    }

    private let state = Mutex(State())

    private init() {}

    /// Records a freshly spawned child; the first call also installs the exit handler and the watchdog.
    func add(pid: Int32) {
        state.withLock { state in
            installIfNeeded(&state)
            state.pids.insert(pid)
            state.watchdog?.watch(pid: pid)
        }
    }

    /// Forgets a child that has been reaped.
    func remove(pid: Int32) {
        state.withLock { state in
            if state.pids.remove(pid) != nil { state.watchdog?.forget(pid: pid) }
        }
    }

    /// Records a directory to delete at exit unless someone removes it (and calls `remove(directory:)`) first.
    func add(directory: URL) {
        state.withLock { state in
            installIfNeeded(&state)
            if state.directories.insert(directory.path).inserted { state.watchdog?.watch(directory: directory.path) }
        }
    }

    func remove(directory: URL) {
        state.withLock { state in
            if state.directories.remove(directory.path) != nil { state.watchdog?.forget(directory: directory.path) }
        }
    }

    /// The live children, for tests of the fixtures themselves.
    var livePids: Set<Int32> { state.withLock { $0.pids } }

    private func installIfNeeded(_ state: inout State) {
        guard !state.installed else { return }
        state.installed = true
        state.watchdog = OrphanWatchdog.start()
        atexit(cleanUpAtExit)
    }

    /// Runs inside `atexit`, while other threads still run: it takes the lock only if it gets it within 200 ms,
    /// since a thread stuck holding it must not turn exit into a hang.
    fileprivate func cleanUpForExit() {
        var taken: State?
        for _ in 0..<200 {
            taken = state.withLockIfAvailable { state in
                let copy = state
                state.pids.removeAll()
                state.directories.removeAll()
                return copy
            }
            if taken != nil { break }
            usleep(1_000)
        }
        guard let taken else { return }
        for pid in taken.pids {
            Glibc.kill(-pid, SIGKILL)
            Glibc.kill(pid, SIGKILL)
        }
        // Give the kernel a moment to end them, so nothing writes into a directory as it is removed.
        for pid in taken.pids {
            var attempts = 0
            while Spawn.reap(pid) == nil, attempts < 100 {
                usleep(2_000)
                attempts += 1
            }
            taken.watchdog?.forget(pid: pid)
        }
        guard getenv("GREGOR_KEEP_TEST_DIRS") == nil else { return }
        for directory in taken.directories {
            try? FileManager.default.removeItem(atPath: directory)
            taken.watchdog?.forget(directory: directory)
        }
    }
}

private func cleanUpAtExit() {
    ChildRegistry.shared.cleanUpForExit()
}
