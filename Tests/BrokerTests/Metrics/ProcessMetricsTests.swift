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
}
