import Foundation
import GregorTestSupport
import KafkaProtocol
import Storage
import Testing

/// Fetches read while producers append: readers must only ever see whole, valid batches below the log end they
/// observed, starting with the batch that holds the offset they asked for.
@Suite("Reads concurrent with appends")
struct LogConcurrencyTests {
    @Test func readersSeeOnlyWholeValidBatchesWhileTheLogGrowsAndRolls() async throws {
        let directory = try TemporaryDirectory.make(prefix: "log-concurrent")
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.segmentBytes = 32 * 1024
        config.indexIntervalBytes = 512
        let log = try TestLogs.open(directory.path, config: config)
        let appends = 1500

        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 0..<appends { try TestLogs.append(log, counts: [1 + i % 7]) }
                return 0
            }
            for reader in 0..<3 {
                group.addTask {
                    var reads = 0
                    var generator = SystemRandomNumberGenerator()
                    while reads < 2000 {
                        let end = log.logEndOffset
                        guard end > 0 else { await Task.yield(); continue }
                        let offset = Int64.random(in: 0..<end, using: &generator)
                        let info = try log.read(from: offset, maxBytes: 256 << reader)
                        let bytes = try #require(info.records).readBytes()
                        let batches = try TestBatchReader.batches(in: bytes)
                        let first = try #require(batches.first)
                        #expect(first.baseOffset <= offset && offset <= first.lastOffset)
                        for (a, b) in zip(batches, batches.dropFirst()) { #expect(b.baseOffset == a.lastOffset + 1) }
                        #expect(bytes.count == batches.reduce(0) { $0 + $1.size })
                        try bytes.withUnsafeBytes { raw in
                            _ = try RecordBatch.validate(raw, maxBatchBytes: .max, origin: .replication)
                        }
                        reads += 1
                    }
                    return reads
                }
            }
            var total = 0
            for try await reads in group { total += reads }
            #expect(total == 6000)
        }
        #expect(log.numberOfSegments > 3)
        try LogConsistency.check(log)
    }
}
