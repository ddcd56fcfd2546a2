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
            let fds = openFileDescriptorCount()
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        return parse(
            stat: stat, bootTimeText: boot, limits: limits, openFileDescriptors: fds, ticksPerSecond: ticks,
            pageSize: pageSize)
    }

    /// Linux 6.2 and later give the count as the size of /proc/self/fd; earlier kernels say 0 there, and the
    /// directory is listed instead (a kernel-side lookup per descriptor: a dozen milliseconds at 30,000).
    static func openFileDescriptorCount() -> Int? {
        var status = stat()
        if stat("/proc/self/fd", &status) == 0, status.st_size > 0, let count = Int(exactly: status.st_size) { return count }
        return countEntries(of: "/proc/self/fd")
    }

    /// Entries of a directory but "." and "..", counted without making a name of each: a broker with 10,000
    /// partitions has some 30,000 descriptors open.
    static func countEntries(of path: String) -> Int? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDotOrDotDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDotOrDotDot { count += 1 }
        }
        return count
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
