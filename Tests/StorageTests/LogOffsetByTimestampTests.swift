import Foundation
import GregorTestSupport
import KafkaProtocol
import NIOCore
import Storage
import Testing

/// ListOffsets by timestamp answers with the exact record, as Kafka's `LogSegment.findOffsetByTimestamp` does: the
/// first record, in offset order, whose timestamp is >= the target, reading inside the batch and decompressing it.
@Suite("offset by timestamp: the exact record, in every codec")
struct LogOffsetByTimestampTests {
    struct ManifestRecord: Decodable {
        let offset: Int64
        let timestamp: Int64
    }

    struct ManifestBatch: Decodable {
        let name: String
        let records: [ManifestRecord]
    }

    /// What kafka-python read back from each fixture batch (Tests/KafkaProtocolTests/Fixtures/manifest.json).
    static func manifestRecords(_ name: String) throws -> [ManifestRecord] {
        struct Manifest: Decodable { let batches: [ManifestBatch] }
        let url = KafkaPythonBatchRoundTripTests.fixtures.appendingPathComponent("manifest.json")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url))
        return try #require(manifest.batches.first { $0.name == name }).records
    }

    static func append(_ log: Log, _ bytes: [UInt8]) throws -> LogAppendInfo {
        var buffer = ByteBuffer(bytes: bytes)
        return try log.appendAsLeader(&buffer, leaderEpoch: 0)
    }

    static func found(_ log: Log, _ timestamp: Int64) throws -> [Int64]? {
        try log.fetchOffset(byTimestamp: timestamp).map { [$0.offset, $0.timestamp] }
    }

    @Test func theFirstRecordInOffsetOrderWinsInsideABatch() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-by-time")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        let t = TestLogs.baseTimestamp
        try TestLogs.append(log, counts: [4], timestamp: t - 1_000)  // offsets 0-3 at t-1000 ... t-997
        var builder = RecordBatchBuilder(baseTimestamp: t + 5)
        for delta: Int64 in [5, 1, 9, 3] { builder.append(key: nil, value: [1], timestamp: t + delta) }  // offsets 4-7
        _ = try Self.append(log, builder.build())

        #expect(try Self.found(log, t - 998) == [2, t - 998])
        #expect(try Self.found(log, t) == [4, t + 5])
        #expect(try Self.found(log, t + 5) == [4, t + 5])
        #expect(try Self.found(log, t + 6) == [6, t + 9])
        #expect(try Self.found(log, t + 9) == [6, t + 9])
        #expect(try Self.found(log, t + 10) == nil)
        try log.deleteRecords(before: 5)
        #expect(try Self.found(log, t) == [5, t + 1])
        #expect(try Self.found(log, t + 2) == [6, t + 9])
    }

    /// Batches made by kafka-python in each codec, behind three older records so their offsets are shifted:
    /// every target from below the oldest to above the newest timestamp finds the record kafka-python's reader
    /// says comes first, before and after the log start moves into the batch.
    @Test(arguments: ["none", "gzip", "snappy", "lz4", "zstd", "idempotent", "transactional"])
    func kafkaPythonBatchesInEveryCodec(name: String) throws {
        let directory = try TemporaryDirectory.make(prefix: "log-by-time-\(name)")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try TestLogs.append(log, counts: [3], timestamp: TestLogs.baseTimestamp - 10_000)
        let info = try Self.append(log, try KafkaPythonBatchRoundTripTests.fixture(name))
        #expect(info.firstOffset == 3)
        let records = try Self.manifestRecords(name).map { (offset: $0.offset + info.firstOffset, timestamp: $0.timestamp) }
        let timestamps = records.map(\.timestamp)
        let targets = (timestamps.min()! - 1)...(timestamps.max()! + 1)
        for startOffset in [info.firstOffset, info.firstOffset + 2] {
            if startOffset > info.firstOffset { try log.deleteRecords(before: startOffset) }
            for target in targets {
                let expected = records.first { $0.timestamp >= target && $0.offset >= startOffset }
                #expect(try Self.found(log, target) == expected.map { [$0.offset, $0.timestamp] },
                        "\(name): target \(target), log start \(startOffset)")
            }
        }
    }

    @Test func logAppendTimeGivesEveryRecordOfACompressedBatchTheAppendTime() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-by-time-lat")
        defer { TemporaryDirectory.remove(directory) }
        var config = LogConfig()
        config.timestampType = .logAppendTime
        let log = try TestLogs.open(directory.path, config: config)
        let info = try Self.append(log, try KafkaPythonBatchRoundTripTests.fixture("lz4"))
        let appendTime = info.logAppendTimeMs
        #expect(try Self.found(log, TestLogs.baseTimestamp) == [0, appendTime])
        #expect(try Self.found(log, appendTime) == [0, appendTime])
        #expect(try Self.found(log, appendTime + 1) == nil)
        try log.deleteRecords(before: 3)
        #expect(try Self.found(log, appendTime) == [3, appendTime])
    }

    /// A batch whose header claims a max timestamp none of its records has is passed over for the next one.
    @Test func aBatchWhoseMaxTimestampLiesIsSkipped() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-by-time-lie")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        let t = TestLogs.baseTimestamp
        var liar = RecordBatchBuilder(baseTimestamp: t)
        liar.append(key: nil, value: [1], timestamp: t)
        liar.append(key: nil, value: [2], timestamp: t + 1)
        var bytes = liar.build()
        Self.patch(&bytes, t + 100, at: 35)  // maxTimestamp
        Self.reseal(&bytes)
        _ = try Self.append(log, bytes)
        try TestLogs.append(log, counts: [1], timestamp: t + 50)
        #expect(try Self.found(log, t + 20) == [2, t + 50])
    }

    /// The broker stores compressed batches without decompressing them, so a batch with a valid CRC can hold
    /// records that do not decompress. The lookup reports CORRUPT_MESSAGE for it instead of trapping.
    @Test(arguments: [CompressionType.gzip, .snappy, .lz4, .zstd])
    func recordsThatDoNotDecompressAreCorrupt(codec: CompressionType) throws {
        let directory = try TemporaryDirectory.make(prefix: "log-by-time-corrupt")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        var bytes = try KafkaPythonBatchRoundTripTests.fixture(codec.name)
        for position in (RecordBatch.headerSize + 4)..<bytes.count { bytes[position] = 0xEE }
        Self.reseal(&bytes)
        _ = try Self.append(log, bytes)
        #expect {
            try log.fetchOffset(byTimestamp: TestLogs.baseTimestamp)
        } throws: { error in
            TestLogs.isStorageError(error, code: ErrorCode.corruptMessage.rawValue)
        }
    }

    static func patch<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T, at offset: Int) {
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self) }
    }

    static func reseal(_ bytes: inout [UInt8]) {
        patch(&bytes, TestBatches.crc32c(bytes[TestBatches.attributesOffset...]), at: TestBatches.crcOffset)
    }
}
