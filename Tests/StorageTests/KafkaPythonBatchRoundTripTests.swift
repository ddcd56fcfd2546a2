import Foundation
import GregorTestSupport
import KafkaProtocol
import NIOCore
import Storage
import Testing

/// Batches made by another implementation (kafka-python's `DefaultRecordBatchBuilder`, one per codec; see
/// `Tests/KafkaProtocolTests/Fixtures/generate_batches.py`) go through the log untouched but for the fields the
/// broker owns: the base offset and the partition leader epoch. Compressed batches are stored as they came.
@Suite("kafka-python batches through the log")
struct KafkaPythonBatchRoundTripTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../KafkaProtocolTests/Fixtures").standardizedFileURL
    /// Every producer batch of the fixture set (the LogAppendTime one carries a bit producers may not set).
    static let names = ["none", "gzip", "snappy", "lz4", "zstd", "idempotent", "transactional"]

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent("\(name).bin")))
    }

    @Test(arguments: [false, true])
    func everyCodecRoundTripsByteForByte(reopenAfterCrash: Bool) throws {
        let directory = try TemporaryDirectory.make(prefix: "log-kafka-python")
        defer { TemporaryDirectory.remove(directory) }
        var log = try TestLogs.open(directory.path)
        var expected: [(offset: Int64, bytes: [UInt8])] = []
        for name in Self.names {
            let original = try Self.fixture(name)
            var buffer = ByteBuffer(bytes: original)
            let info = try log.appendAsLeader(&buffer, leaderEpoch: 7)
            #expect(info.firstOffset == (expected.last.map { $0.offset + 1 } ?? 0))
            expected.append((info.lastOffset, original))
        }
        if reopenAfterCrash {
            // No close: the next open recovers every batch from scratch and must accept them all.
            log = try TestLogs.open(directory.path, hadCleanShutdown: false)
        }
        let stored = try #require(try log.read(from: 0, maxBytes: 1 << 20).records).readBytes()
        var position = 0
        var nextOffset: Int64 = 0
        for (name, (lastOffset, original)) in zip(Self.names, expected) {
            let batch = Array(stored[position..<(position + original.count)])
            #expect(Array(batch[16...]) == Array(original[16...]), "\(name): bytes after the epoch must be untouched")
            #expect(Array(batch[8..<12]) == Array(original[8..<12]), "\(name): batch length")
            let header = try batch.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
            #expect(header.baseOffset == nextOffset, "\(name)")
            #expect(header.lastOffset == lastOffset, "\(name)")
            #expect(header.partitionLeaderEpoch == 7, "\(name)")
            try batch.withUnsafeBytes { _ = try RecordBatch.validate($0, maxBatchBytes: .max, origin: .replication) }
            nextOffset = lastOffset + 1
            position += original.count
        }
        #expect(position == stored.count)
        #expect(log.logEndOffset == nextOffset)
    }

    @Test func logAppendTimeStampsTheBatchAndKeepsItValid() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-append-time")
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.timestampType = .logAppendTime
        let log = try TestLogs.open(directory.path, config: config)
        var buffer = ByteBuffer(bytes: try Self.fixture("gzip"))
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let info = try log.appendAsLeader(&buffer, leaderEpoch: 0)
        #expect(info.logAppendTimeMs >= before)
        let stored = try #require(try log.read(from: 0, maxBytes: 1 << 20).records).readBytes()
        let header = try stored.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.timestampType == .logAppendTime)
        #expect(header.maxTimestamp == info.logAppendTimeMs)
        #expect(header.compression == .gzip)
        try stored.withUnsafeBytes { _ = try RecordBatch.validate($0, maxBatchBytes: .max, origin: .replication) }
    }
}
