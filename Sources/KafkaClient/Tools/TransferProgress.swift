/// The text of a progress report for a run that moves records (`gregor produce --progress`, `gregor consume
/// --progress`): counts so far and the average rates over the run. MB are 10^6 bytes, as dd and `gregor perf` count.
/// Pure, so the wording is tested without a terminal; `ProgressThrottle` says when to print.
public struct TransferProgress: Sendable, Hashable {
    /// What the run does, first on the line: "produce", "consume".
    public var label: String
    public var records: Int64
    public var bytes: Int64
    public var elapsed: Duration

    public init(label: String, records: Int64, bytes: Int64, elapsed: Duration) {
        self.label = label
        self.records = records
        self.bytes = bytes
        self.elapsed = elapsed
    }

    /// `produce: 12345 records, 12.3 MB; 6172.5 records/s, 6.2 MB/s`
    public var line: String {
        "\(label): \(records) records, \(Self.tenths(megabytes)) MB; \(rates)"
    }

    /// `produce: done, 12345 records, 12.3 MB in 2.0 s; 6172.5 records/s, 6.2 MB/s`
    public var summary: String {
        "\(label): done, \(records) records, \(Self.tenths(megabytes)) MB in \(Self.tenths(seconds)) s; \(rates)"
    }

    /// What to write to stderr for this report: on a terminal the progress line rewrites itself ("\r", then erase
    /// to the end of the line) and the summary replaces it with a newline; elsewhere (a file, a pipe) every report is
    /// a line of its own.
    public func output(terminal: Bool, final: Bool) -> String {
        let text = final ? summary : line
        guard terminal else { return text + "\n" }
        return "\r" + text + "\u{1B}[K" + (final ? "\n" : "")
    }

    private var rates: String {
        guard seconds > 0 else { return "- records/s, - MB/s" }
        return "\(Self.tenths(Double(records) / seconds)) records/s, \(Self.tenths(megabytes / seconds)) MB/s"
    }

    var megabytes: Double { Double(bytes) / 1e6 }

    var seconds: Double {
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// `value` with one decimal (rounded half away from zero), without Foundation's locale-dependent formatting.
    static func tenths(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let scaled = (value * 10).rounded()
        guard abs(scaled) < 9e17 else { return "-" }
        let tenths = Int64(scaled)
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}

/// When a progress line is due: the first time after `interval` has passed since the start, then once per
/// `interval`. A value: the caller passes the clock's reading, so tests need no sleeping.
public struct ProgressThrottle: Sendable {
    public let interval: Duration
    private var nextDue: ContinuousClock.Instant

    public init(interval: Duration, start: ContinuousClock.Instant) {
        self.interval = interval
        self.nextDue = start + interval
    }

    /// Whether a line is due at `now`; when it is, the next one is due one interval later (not one interval after
    /// each missed one: a stalled run does not print a burst when it resumes).
    public mutating func isDue(at now: ContinuousClock.Instant) -> Bool {
        guard now >= nextDue else { return false }
        nextDue = now + interval
        return true
    }
}
