import KafkaProtocol
import Foundation
import Logging
import NIOCore
import Storage

/// Opening, filling and inspecting real logs in temp dirs, shared by the storage tests.
enum TestLogs {
    static let topicPartition = TopicPartition(topic: "t", partition: 0)
    static let logger = Logger(label: "storage-tests") { _ in SwiftLogNoOpLogHandler() }
    /// A fixed "now" for batch timestamps, so time rules are tested with injected clocks, not the wall clock.
    static let baseTimestamp: Int64 = 1_700_000_000_000

    static func open(
        _ directory: String, config: LogConfig = LogConfig(), recoveryPoint: Int64 = 0, logStartOffset: Int64? = nil,
        hadCleanShutdown: Bool = true, topicPartition: TopicPartition = topicPartition
    ) throws -> Log {
        try Log.open(
            directory: directory, topicPartition: topicPartition, config: config, recoveryPoint: recoveryPoint,
            logStartOffset: logStartOffset, hadCleanShutdown: hadCleanShutdown, logger: logger)
    }

    /// Appends one self-describing batch of `count` records per element of `counts`, one append each.
    @discardableResult
    static func append(_ log: Log, counts: [Int], timestamp: Int64 = baseTimestamp) throws -> [LogAppendInfo] {
        try counts.map { count in
            let bytes = TestBatches.selfDescribing(firstOffset: log.logEndOffset, count: count, baseTimestamp: timestamp)
            var buffer = ByteBuffer(bytes: bytes)
            return try log.appendAsLeader(&buffer, leaderEpoch: 0)
        }
    }

    /// The batches `read` returns from `offset`, parsed.
    static func readBatches(
        _ log: Log, from offset: Int64, maxBytes: Int, upTo: Int64? = nil, minOneBatch: Bool = true
    ) throws -> [ParsedBatch] {
        let info = try log.read(from: offset, maxBytes: maxBytes, upTo: upTo, minOneBatch: minOneBatch)
        guard let slice = info.records else { return [] }
        return try TestBatchReader.batches(in: try slice.readBytes())
    }

    static func fileNames(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// Kafka's segment file name: the base offset as 20 zero-padded digits.
    static func segmentFileName(_ baseOffset: Int64, _ suffix: String) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: 20 - digits.count) + digits + suffix
    }

    static func isStorageError(_ error: any Error, code: Int16) -> Bool {
        guard let storageError = error as? StorageError else { return false }
        return storageError.errorCode.rawValue == code
    }

    static func fileSize(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? -1
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255) }
    }
}
