import KafkaProtocol
import Foundation
import GregorTestSupport
import Storage
import Testing

/// A rolled segment had its indexes trimmed to their used size; when truncation makes it active again, it must
/// take appends (and index entries) again without rolling at once (Kafka's `truncateTo` resizes the indexes).
@Suite("Truncation back into a rolled segment")
struct LogTruncateReactivationTests {
    @Test func aSegmentMadeActiveAgainByTruncationIndexesNewAppends() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-reactivate")
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentBytes = 16 * 1024
        config.indexIntervalBytes = 256
        let log = try TestLogs.open(directory.path, config: config)
        try TestLogs.append(log, counts: Array(repeating: 20, count: 80))
        let bases = log.segmentBaseOffsets
        try #require(bases.count >= 3)
        let target = bases[0] + 40
        try log.truncate(to: target)
        #expect(log.segmentBaseOffsets == [bases[0]])

        // Enough appends for many new index entries, all within one segment's size.
        try TestLogs.append(log, counts: Array(repeating: 5, count: 20))
        #expect(log.segmentBaseOffsets == [bases[0]])
        #expect(log.logEndOffset == target + 100)
        try LogConsistency.check(log)

        // And what was indexed is found: a read from every 7th offset starts with the batch holding it.
        for offset in stride(from: target, to: log.logEndOffset, by: 7) {
            let first = try #require(try TestLogs.readBatches(log, from: offset, maxBytes: 1).first)
            #expect(first.baseOffset <= offset && offset <= first.lastOffset)
        }
    }
}
