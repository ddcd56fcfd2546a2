import Foundation
import Synchronization

/// What a campaign found.
public struct FuzzReport: Sendable {
    public var inputs = 0
    public var answered = 0
    /// Inputs after which the broker closed the connection (its answer to a frame it cannot parse).
    public var closedByBroker = 0
    /// Inputs without an answer that did not stall the connection (acks=0 produce, lying size prefixes).
    public var unanswered = 0
    /// JoinGroup and SyncGroup requests still waiting for their group's rebalance, as Kafka's may, while the
    /// broker answered a new connection: their connection is dropped.
    public var parked = 0
    /// Inputs whose connection answered nothing, not even a later ApiVersions, within the hang timeout.
    public var hangs: [FuzzInput] = []
    /// The inputs in flight when the broker stopped answering connections: one of them killed it.
    public var crash: [FuzzInput]?
    public var rssKiB: (first: Int, max: Int, last: Int)?

    /// Distinct failures by kind and API.
    public var distinctFailures: [String] {
        var kinds = Set(hangs.map { "hang: \($0.signature)" })
        for input in crash ?? [] { kinds.insert("crash candidate: \(input.signature)") }
        return kinds.sorted()
    }
}

/// Runs a campaign against one broker: `connections` workers (threads) send inputs 0..<count, worker i taking
/// inputs i, i + connections, ..., each waiting for its answer before the next (the broker serves one request at
/// a time per connection anyway). `isAlive` tells a broker that crashed from one that closed a connection.
public struct FuzzCampaign: Sendable {
    public var host: String
    public var port: Int
    public var connections: Int
    /// Longer than any wait a request can ask for (Fetch waits are capped at 30 s, admin requests' at 120 s).
    public var hangTimeoutMs: Int32
    public var isAlive: @Sendable () -> Bool
    public var rssKiB: @Sendable () -> Int?
    public var progress: @Sendable (Int) -> Void

    public init(
        host: String, port: Int, connections: Int = 8, hangTimeoutMs: Int32 = 150_000,
        isAlive: @escaping @Sendable () -> Bool, rssKiB: @escaping @Sendable () -> Int? = { nil },
        progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.connections = connections
        self.hangTimeoutMs = hangTimeoutMs
        self.isAlive = isAlive
        self.rssKiB = rssKiB
        self.progress = progress
    }

    private final class Shared: Sendable {
        let report = Mutex(FuzzReport())
        let inFlight: Mutex<[FuzzInput?]>
        let stop = Atomic<Bool>(false)
        init(workers: Int) { inFlight = Mutex(Array(repeating: nil, count: workers)) }
    }

    public func run(_ factory: FuzzInputFactory, inputs count: Int, from first: Int = 0) -> FuzzReport {
        let shared = Shared(workers: connections)
        if let rss = rssKiB() { shared.report.withLock { $0.rssKiB = (rss, rss, rss) } }
        let done = DispatchGroup()
        for worker in 0..<connections {
            done.enter()
            let thread = Thread { [self] in
                work(worker, factory, range: first..<(first + count), shared)
                done.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
        if let rss = rssKiB() { shared.report.withLock { $0.rssKiB?.last = rss } }
        return shared.report.withLock { $0 }
    }

    private func work(_ worker: Int, _ factory: FuzzInputFactory, range: Range<Int>, _ shared: Shared) {
        var connection: FuzzConnection?
        var index = range.lowerBound + worker
        while index < range.upperBound, !shared.stop.load(ordering: .relaxed) {
            let input = factory.input(index)
            shared.inFlight.withLock { $0[worker] = input }
            if connection == nil {
                do {
                    connection = try FuzzConnection(host: host, port: port)
                } catch {
                    crashed(shared)
                    return
                }
            }
            let outcome = exchange(input, on: connection!)
            if outcome != .answered { connection = nil }
            if outcome == .closed, !isAlive() {
                crashed(shared)
                return
            }
            let total = shared.report.withLock { report in
                report.inputs += 1
                switch outcome {
                case .answered: report.answered += 1
                case .closed: report.closedByBroker += 1
                case .unanswered: report.unanswered += 1
                case .parked: report.parked += 1
                case .hang: report.hangs.append(input)
                }
                return report.inputs
            }
            if total % 1000 == 0 {
                progress(total)
                if let rss = rssKiB() {
                    shared.report.withLock { $0.rssKiB = ($0.rssKiB?.first ?? rss, max($0.rssKiB?.max ?? rss, rss), rss) }
                }
            }
            index += connections
        }
    }

    private enum Outcome { case answered, closed, unanswered, parked, hang }

    /// How long an input gets to answer before a probe is sent behind it. Most answer at once; the probe only
    /// tells silence (acks=0, a lying size prefix) from a request that takes long (a Fetch's wait, an admin call).
    static let quickAnswerMs: Int32 = 500

    private func exchange(_ input: FuzzInput, on connection: FuzzConnection) -> Outcome {
        do {
            try connection.send(input.frame)
        } catch {
            return .closed
        }
        if input.expectsNoAnswer { return .unanswered }
        do {
            if try connection.receiveCorrelationId(timeoutMs: Self.quickAnswerMs) == input.correlationId { return .answered }
        } catch .timedOut {
        } catch {
            return .closed
        }
        // A connection answers in order: the input's answer, if it has one, comes before the probe's. So the probe
        // answering first means the input has none (acks=0), and nothing within the hang timeout is a hang.
        do {
            try connection.send(Self.probe)
        } catch {
            return .closed
        }
        var answered = false
        var parkCheckDone = false
        while true {
            do {
                // A group request still silent after a few seconds is checked on a new connection instead: the
                // broker answering there means the request is parked by the protocol, not hung.
                let waitMs = input.mayWaitForItsGroup && !parkCheckDone ? Self.parkCheckAfterMs : hangTimeoutMs
                switch try connection.receiveCorrelationId(timeoutMs: waitMs) {
                case input.correlationId: answered = true
                case Self.probeId: return answered ? .answered : .unanswered
                default: continue
                }
            } catch .timedOut {
                guard input.mayWaitForItsGroup, !parkCheckDone else { return .hang }
                parkCheckDone = true
                if answersOnANewConnection() { return .parked }
            } catch {
                return .closed
            }
        }
    }

    static let parkCheckAfterMs: Int32 = 5_000

    /// True when an ApiVersions on a fresh connection is answered within the hang timeout.
    private func answersOnANewConnection() -> Bool {
        do throws(FuzzConnection.Failure) {
            let fresh = try FuzzConnection(host: host, port: port)
            try fresh.send(Self.probe)
            return try fresh.receiveCorrelationId(timeoutMs: hangTimeoutMs) == Self.probeId
        } catch {
            return false
        }
    }

    /// The probe's correlation id; inputs use their index, which is never negative.
    static let probeId: Int32 = -7
    /// ApiVersions v0, which every broker answers at once.
    static let probe = FuzzInputFactory.sized(FuzzInputFactory.header(api: 18, version: 0, correlationId: probeId, flexible: false))

    private func crashed(_ shared: Shared) {
        guard !shared.stop.exchange(true, ordering: .relaxed) else { return }
        let inFlight = shared.inFlight.withLock { $0.compactMap { $0 } }
        shared.report.withLock { $0.crash = inFlight }
    }
}
