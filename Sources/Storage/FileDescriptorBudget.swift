import Glibc
import Synchronization

/// The process's open file descriptors that grow with use (segment files and client connections), counted against
/// `ulimit -n` so the broker never reaches the limit.
///
/// Reaching it is fatal, not merely an error: libdispatch, under Swift's executors, opens `/proc/<tid>/stat` to watch
/// its worker threads and crashes the process when that open fails. So each new segment file and each accepted
/// connection takes a descriptor from this budget first and is refused when none is left, and `reserve` descriptors
/// beyond the budget stay free for what is not counted: the event loops, ZooKeeper's socket, connections to other
/// brokers, checkpoint and snapshot files written and closed, libdispatch's probes.
///
/// Two thresholds. New consumers (a new partition log, a client connection) stop `headroom` descriptors short of
/// `capacity`, so that logs already hosted can still roll their segments and brokers can still connect for
/// replication when clients have taken everything they may.
///
/// One budget per process (`process`), as the limit is per process; until `configure` sets it from the limit
/// (the broker does at startup) it refuses nothing.
public final class FileDescriptorBudget: Sendable {
    /// What a descriptor is for, which decides how close to `capacity` it may go.
    public enum Use: Sendable {
        /// A new partition log, or a connection from a client.
        case newConsumer
        /// A segment roll of a hosted log, or a connection on the inter-broker listener.
        case existingConsumer
        /// A segment of a log loaded from disk at startup: already there, so counted whatever the budget says.
        case loaded
    }

    public struct Limits: Sendable, Equatable {
        /// Counted descriptors allowed at most.
        public var capacity: Int
        /// How far below `capacity` new consumers stop.
        public var headroom: Int

        public init(capacity: Int, headroom: Int) {
            self.capacity = max(0, capacity)
            self.headroom = min(max(0, headroom), self.capacity)
        }

        /// The budget for a process allowed `limit` descriptors (`ulimit -n`) that already has `open` open: a
        /// twentieth of the limit (at least 128) stays free for what is not counted, and new consumers stop a tenth
        /// of the capacity short of it.
        public static func forProcess(limit: Int, open: Int) -> Limits {
            let reserve = max(128, limit / 20)
            let capacity = limit - open - reserve
            return Limits(capacity: capacity, headroom: capacity / 10)
        }

        public static let unlimited = Limits(capacity: Int.max / 2, headroom: 0)
    }

    /// The budget of this process.
    public static let process = FileDescriptorBudget(.unlimited)

    private let limits: Mutex<Limits>
    private let inUse = Atomic<Int>(0)

    public init(_ limits: Limits) {
        self.limits = Mutex(limits)
    }

    public func configure(_ newLimits: Limits) {
        limits.withLock { $0 = newLimits }
    }

    public var currentLimits: Limits { limits.withLock { $0 } }

    /// Counted descriptors open now.
    public var count: Int { inUse.load(ordering: .relaxed) }

    /// How many counted descriptors may be open before one for `use` is refused.
    public func ceiling(for use: Use) -> Int {
        let limits = currentLimits
        switch use {
        case .newConsumer: return limits.capacity - limits.headroom
        case .existingConsumer: return limits.capacity
        case .loaded: return Int.max
        }
    }

    /// Takes one descriptor for `use`, or returns false (and takes nothing) when the budget has none left for it.
    public func tryAcquire(_ use: Use) -> Bool {
        if use == .loaded {
            inUse.add(1, ordering: .relaxed)
            return true
        }
        let ceiling = ceiling(for: use)
        var current = inUse.load(ordering: .relaxed)
        while current < ceiling {
            let (exchanged, original) = inUse.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    public func release() {
        let previous = inUse.subtract(1, ordering: .relaxed).oldValue
        assert(previous > 0, "released a descriptor that was not acquired")
    }
}

extension FileDescriptorBudget {
    /// `ulimit -n` of this process, after raising the soft limit to the hard one where it was lower (the JVM does
    /// the same for Kafka at startup, `-XX:+MaxFDLimit`). Returns (limit, raised from) for the log.
    public static func raiseProcessLimit() -> (limit: Int, raisedFrom: Int?) {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return (1024, nil) }
        let soft = limits.rlim_cur
        var target = limits.rlim_max
        // An unlimited hard limit is not a value setrlimit accepts for descriptors: the kernel caps it at nr_open.
        if target == rlim_t.max { target = 1 << 20 }
        if soft < target {
            var raised = limits
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                return (Int(clamping: target), Int(clamping: soft))
            }
        }
        return (Int(clamping: soft), nil)
    }

    /// Descriptors this process has open now (the entries of `/proc/self/fd`, less the one reading it).
    public static func openDescriptorCount() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let first = entry.pointee.d_name.0
            if first != CChar(UInt8(ascii: ".")) { count += 1 }
        }
        return max(0, count - 1)
    }
}
