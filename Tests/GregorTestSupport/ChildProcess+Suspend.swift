import Glibc

extension ChildProcess {
    /// Freezes the child with SIGSTOP and returns once every one of its threads has stopped.
    ///
    /// SIGSTOP is asynchronous: on a loaded machine a multi-threaded JVM can still answer a request a moment
    /// after `kill` returns. The kernel tells the parent when the whole group stop is complete; that is
    /// polled here (`waitid` with `WNOWAIT`, so the event is not consumed). Throws `FixtureError.timedOut`
    /// if the child does not stop within `timeout`, or `processExited` if it ends instead.
    public func suspend(timeout: Duration = .seconds(5)) async throws {
        signal(SIGSTOP)
        let deadline = ContinuousClock.now + timeout
        while !isStopped {
            if let status = exitStatus {
                throw FixtureError.processExited(
                    executable: executable.lastPathComponent, status: status, logTail: "")
            }
            guard ContinuousClock.now < deadline else {
                throw FixtureError.timedOut(
                    waitingFor: "\(executable.lastPathComponent) (pid \(pid)) to stop", after: timeout,
                    lastError: nil)
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Continues a child frozen by `suspend()`.
    public func resume() {
        signal(SIGCONT)
    }

    /// True while the child is in a completed group stop.
    private var isStopped: Bool {
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(pid), &info, WSTOPPED | WNOHANG | WNOWAIT)
        return result == 0 && info._sifields._sigchld.si_pid == pid && info.si_code == CLD_STOPPED
    }
}
