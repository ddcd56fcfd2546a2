import Foundation
import Testing

@testable import Broker

/// Reading /proc the way the Prometheus client libraries do, on fixed text.
@Suite struct ProcessMetricsTests {
    // A command name with a space and a parenthesis: fields are counted from the last ')'.
    static let stat =
        "4242 (gregor (srv) x) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 150 0 0 20 0 17 0 1000 123456789 3000 "
        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
    static let limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            65536                1048576              files
        """

    @Test func parsesStatLimitsAndBootTime() throws {
        let metrics = try #require(ProcessMetrics.parse(
            stat: Self.stat, bootTimeText: "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n", limits: Self.limits,
            openFileDescriptors: 12, ticksPerSecond: 100, pageSize: 4096))
        #expect(metrics.cpuSeconds == 4.0)  // (250 + 150) ticks at 100 per second
        #expect(metrics.threads == 17)
        #expect(metrics.startTimeSeconds == 1_700_000_010)  // boot + 1000 ticks
        #expect(metrics.virtualMemoryBytes == 123_456_789)
        #expect(metrics.residentMemoryBytes == 3000 * 4096)
        #expect(metrics.maxFileDescriptors == 65536)
        #expect(metrics.openFileDescriptors == 12)
    }

    @Test func refusesTruncatedStat() {
        #expect(ProcessMetrics.parse(
            stat: "4242 (gregor) S 1 2", bootTimeText: "", limits: "", openFileDescriptors: 0, ticksPerSecond: 100,
            pageSize: 4096) == nil)
        #expect(ProcessMetrics.parse(
            stat: "no parenthesis", bootTimeText: "", limits: "", openFileDescriptors: 0, ticksPerSecond: 100,
            pageSize: 4096) == nil)
    }

    @Test func readsThisProcess() throws {
        let metrics = try #require(ProcessMetrics.read())
        #expect(metrics.residentMemoryBytes > 0)
        #expect(metrics.openFileDescriptors > 0)
        #expect(metrics.maxFileDescriptors >= metrics.openFileDescriptors)
    }

    @Test func countsADirectorysEntriesButDotAndDotDot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(ProcessMetrics.countEntries(of: directory.path) == 0)
        for name in ["a", "..b", ".c"] {
            #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil))
        }
        #expect(ProcessMetrics.countEntries(of: directory.path) == 3)
        #expect(ProcessMetrics.countEntries(of: directory.appendingPathComponent("missing").path) == nil)
    }

    @Test func countsOpenDescriptorsAsListingThemDoes() throws {
        let handles = try (0..<5).map { _ in try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/stat")) }
        defer { for handle in handles { try? handle.close() } }
        // Listing opens one descriptor of its own, and other tests open and close theirs meanwhile: some attempt
        // sees the two agree.
        var agreed = false
        for _ in 0..<50 where !agreed {
            let counted = try #require(ProcessMetrics.openFileDescriptorCount())
            let listed = try #require(ProcessMetrics.countEntries(of: "/proc/self/fd"))
            #expect(counted >= 5 + 3)
            agreed = abs(counted - listed) <= 1
        }
        #expect(agreed)
    }
}
