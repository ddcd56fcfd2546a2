import NIOCore
import NIOPosix
import Synchronization

/// What the reaper ends: the owner of parked waits, told which one timed out.
protocol ExpiringWaits: AnyObject, Sendable {
    func expire(_ id: UInt64)
}

/// Ends parked waits of tasks on Swift's pool when they time out, as Kafka's purgatories have their
/// `ExpirationReaper` thread. One timer on one event loop serves every wait (`ExpirationSchedule` decides when it
/// fires), so a wait that ends early, as nearly every acks=all wait does, costs a lock and no wake-up of the
/// reaper's thread. (Waits that run on an event loop, Fetch requests and follower fetchers, arm a timer on their own
/// loop instead, which wakes no other thread either.)
final class ExpirationReaper: Sendable {
    /// Process-wide and never shut down, like NIO's singletons.
    static let shared = ExpirationReaper(loop: MultiThreadedEventLoopGroup(numberOfThreads: 1).next())

    /// Whom to tell when a wait is due.
    private struct Scheduled {
        var owner: any ExpiringWaits
        var id: UInt64
    }

    private struct State {
        var schedule = ExpirationSchedule<Scheduled>()
        var nextTicket: UInt64 = 0
    }

    private let state = Mutex(State())
    private let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Waits scheduled and not yet expired or cancelled (tests).
    var count: Int { state.withLock { $0.schedule.count } }

    /// `owner.expire(id)` is called once `timeout` has passed, unless `cancel` with the returned ticket came first.
    func schedule(_ id: UInt64, of owner: any ExpiringWaits, in timeout: Duration) -> UInt64 {
        let now = NIODeadline.now().uptimeNanoseconds
        let (sum, overflow) = now.addingReportingOverflow(UInt64(max(timeout.saturatingNanoseconds, 0)))
        let deadline = overflow ? UInt64.max : sum
        let (ticket, arm) = state.withLock { state in
            state.nextTicket += 1
            let ticket = state.nextTicket
            return (ticket, state.schedule.add(ticket, deadlineNs: deadline, Scheduled(owner: owner, id: id)))
        }
        if let arm { self.arm(arm) }
        return ticket
    }

    /// The wait ended otherwise: it is forgotten, and its owner is not called.
    func cancel(_ ticket: UInt64) {
        state.withLock { _ = $0.schedule.remove(ticket) }
    }

    private func arm(_ arm: ExpirationSchedule<Scheduled>.Arm) {
        let deadline = NIODeadline.uptimeNanoseconds(min(arm.deadlineNs, UInt64(Int64.max)))
        do {
            _ = try loop.scheduleCallback(at: deadline, handler: Timer(reaper: self, generation: arm.generation))
        } catch {
            expireAll()
        }
    }

    /// The loop is gone (only a test's own reaper can be shut down): nothing would ever fire, so every wait ends now
    /// rather than stay parked.
    fileprivate func expireAll() {
        let all = state.withLock { $0.schedule.removeAll() }
        for wait in all { wait.owner.expire(wait.id) }
    }

    fileprivate func fired(generation: UInt64) {
        let (due, next) = state.withLock { state in
            state.schedule.fire(generation: generation, nowNs: NIODeadline.now().uptimeNanoseconds)
        }
        if let next { arm(next) }
        for wait in due { wait.owner.expire(wait.id) }
    }

    private struct Timer: NIOScheduledCallbackHandler, Sendable {
        let reaper: ExpirationReaper
        let generation: UInt64

        func handleScheduledCallback(eventLoop: some EventLoop) { reaper.fired(generation: generation) }
        /// Timers are never cancelled, so this is the loop shutting down.
        func didCancelScheduledCallback(eventLoop: some EventLoop) { reaper.expireAll() }
    }
}
