import Foundation

extension FuzzReport {
    /// The figures a run prints, one per line.
    public func summary(seconds: Double) -> String {
        var lines = [
            "inputs tried:        \(inputs)",
            "answered:            \(answered)",
            "closed by broker:    \(closedByBroker)  (frames it refused)",
            "unanswered:          \(unanswered)  (acks=0, lying size prefixes)",
            "parked:              \(parked)  (JoinGroup/SyncGroup waiting for their group's rebalance, as in Kafka)",
            "hangs:               \(hangs.count)",
            "crashes:             \(crash == nil ? 0 : 1)",
            "distinct failures:   \(distinctFailures.count)",
            String(format: "rate:                %.0f inputs/s over %.1f s", seconds > 0 ? Double(inputs) / seconds : 0, seconds),
        ]
        if let rss = rssKiB {
            lines.append("broker RSS (MiB):    first \(rss.first / 1024), max \(rss.max / 1024), last \(rss.last / 1024)")
        }
        lines += distinctFailures.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Writes each failing input's frame to `directory` (`<kind>-<index>.bin`); returns the files written.
    public func writeReproducers(to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files: [URL] = []
        for (kind, inputs) in [("crash", crash ?? []), ("hang", hangs)] {
            for input in inputs {
                let file = directory.appendingPathComponent("\(kind)-\(input.index).bin")
                try Data(input.frame).write(to: file)
                files.append(file)
            }
        }
        return files
    }
}
