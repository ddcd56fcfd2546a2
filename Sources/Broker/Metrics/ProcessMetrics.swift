import Foundation

/// The Prometheus client libraries' standard process metrics (`process_resident_memory_bytes`, ...), read from
/// Linux's `/proc/self`. Parsing is separate from reading so that it is tested on fixed text.
struct ProcessMetrics: Sendable, Equatable {
    var residentMemoryBytes: Double
    var virtualMemoryBytes: Double
    var cpuSeconds: Double
    var startTimeSeconds: Double
    var threads: Double
    var openFileDescriptors: Double
    var maxFileDescriptors: Double

    /// Reads `/proc/self`; nil where it is not Linux's.
    static func read() -> ProcessMetrics? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let boot = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        return parse(
            stat: stat, bootTimeText: boot, limits: limits, openFileDescriptors: fds.count, ticksPerSecond: ticks,
            pageSize: pageSize)
    }

    /// `stat`: /proc/self/stat; `bootTimeText`: /proc/stat (its `btime`); `limits`: /proc/self/limits.
    static func parse(
        stat: String, bootTimeText: String, limits: String, openFileDescriptors: Int, ticksPerSecond: Double, pageSize: Double
    ) -> ProcessMetrics? {
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after the last ')'.
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // After ')': field 3 (state) is index 0, so field n is index n - 3.
        func field(_ n: Int) -> Double? { fields.count > n - 3 ? Double(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let start = field(22),
            let vsize = field(23), let rss = field(24)
        else { return nil }
        let bootTime = bootTimeText.split(separator: "\n").first { $0.hasPrefix("btime ") }
            .flatMap { Double($0.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let maxFiles = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
            .flatMap { line in line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first }
            .flatMap { Double($0) } ?? 0
        return ProcessMetrics(
            residentMemoryBytes: rss * pageSize, virtualMemoryBytes: vsize, cpuSeconds: (utime + stime) / ticksPerSecond,
            startTimeSeconds: bootTime + start / ticksPerSecond, threads: threads,
            openFileDescriptors: Double(openFileDescriptors), maxFileDescriptors: maxFiles)
    }
}
