import KafkaProtocol
import Foundation
import GregorTestSupport
import Storage
import Testing

/// A full disk, for real: the crash worker lowers its own file size limit (RLIMIT_FSIZE) so that a write fails
/// with EFBIG part way through a batch, as it would with ENOSPC. The append must fail with KAFKA_STORAGE_ERROR,
/// leave no torn batch behind, and the log must accept appends again once space is back.
@Suite("Log on a full disk")
struct LogFullDiskTests {
    /// Must match `CrashWorkerConfig.fillDisk` in Tests/StorageCrashWorker/main.swift.
    static var workerConfig: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 64 * 1024 * 1024
        config.maxIndexSizeBytes = 64 * 1024
        return config
    }

    static let limitBytes = 3 * 1024 * 1024 + 517

    @Test("an append that hits the file size limit fails with KAFKA_STORAGE_ERROR and the log stays consistent")
    func appendBeyondFileSizeLimit() async throws {
        let worker = try GregorBinaries.url(of: "StorageCrashWorker")
        let root = try TemporaryDirectory.make(prefix: "log-full")
        defer { TemporaryDirectory.remove(root) }

        let result = try await ChildProcess.run(worker, arguments: [root.path, "fill-disk", String(Self.limitBytes)])
        let lines = result.output.split(separator: "\n").map(String.init)
        try #require(result.status == 0, "worker output:\n\(result.output)")
        let failure = try #require(lines.first { $0.hasPrefix("append failed:") }, "worker output:\n\(result.output)")
        #expect(failure.hasPrefix("append failed: errorCode=56 "), "\(failure)")
        #expect(lines.contains { $0.hasPrefix("consistent ") }, "worker output:\n\(result.output)")
        let recovered = try #require(lines.first { $0.hasPrefix("recovered ") }?.split(separator: " "))
        let endLine = try #require(lines.first { $0.hasPrefix("log end offset ") })
        let endAtFailure = try #require(Int64(endLine.dropFirst("log end offset ".count)))
        try #require(recovered.count == 3)
        #expect(Int64(recovered[1]) == endAtFailure)

        // The worker closed the log cleanly, so reopening runs no recovery that could hide a torn batch: the file
        // itself must hold whole, valid batches only.
        let partitionDir = root.appendingPathComponent("crash-0").path
        let segmentPath = partitionDir + "/" + TestLogs.segmentFileName(0, ".log")
        let fileBatches = try TestBatchReader.batches(in: [UInt8](try Data(contentsOf: URL(fileURLWithPath: segmentPath))))
        #expect(fileBatches.allSatisfy { $0.crcIsValid })
        #expect(fileBatches.last.map { $0.lastOffset + 1 } == Int64(recovered[2]))
        let log = try TestLogs.open(
            partitionDir, config: Self.workerConfig, recoveryPoint: Int64(recovered[2]) ?? 0, hadCleanShutdown: true,
            topicPartition: TopicPartition(topic: "crash", partition: 0))
        #expect(log.logEndOffset == Int64(recovered[2]))
        let report = try LogConsistency.check(log, lookups: .edgesAndMiddle)
        #expect(report.batches.count == fileBatches.count)
        #expect(report.batches.count > 100)
        // The data stopped within one batch of the limit, then grew by the one small append after it.
        #expect(try TestLogs.fileSize(segmentPath) > Self.limitBytes - 16 * 1024)
        #expect(try TestLogs.fileSize(segmentPath) < Self.limitBytes + 16 * 1024)
        try log.close()
    }
}
