/// Polls `condition` until it returns true, or throws `FixtureError.timedOut` naming `what` after `timeout`.
///
/// Tests wait for a state with this instead of sleeping and hoping. A throw from `condition` counts as "not yet"
/// (servers are often briefly unreachable while a test waits for them to recover); the last one is reported in
/// the timeout error. The condition is always tried once more at the deadline. Cancellation ends the wait with
/// `CancellationError`. Runs on the caller's actor, so `condition` may touch the caller's state.
nonisolated(nonsending)
public func eventually(
    timeout: Duration, poll: Duration = .milliseconds(50), _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while true {
        let pastDeadline = ContinuousClock.now >= deadline
        do {
            if try await condition() { return }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            lastError = error
        }
        if pastDeadline {
            throw FixtureError.timedOut(waitingFor: what, after: timeout, lastError: lastError.map { "\($0)" })
        }
        try await Task.sleep(for: min(poll, max(deadline - ContinuousClock.now, .zero)))
    }
}
