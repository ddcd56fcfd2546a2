import Foundation
import Glibc
import KafkaProtocol
import Logging
import NIOCore
import Storage

// A child process for the storage crash tests: it writes partition `crash-0` under <logdir> the way a broker
// would, so that a test can kill it at any instant and inspect what is left on disk.
//
//   StorageCrashWorker <logdir> append-loop
//       Opens the log (hadCleanShutdown false, recovery point from <logdir>/recovery-point), prints "ready <leo>",
//       then appends forever: one batch per append (as a producer must) of mostly 1-50 records, now and then
//       200-1000. Every record's value names its own offset (see `offsetValue`). Every 256 appends it flushes and rewrites the
//       recovery-point file; every 64 it runs retention (retention.bytes 2 MiB) so the log stays small.
//   StorageCrashWorker <logdir> fill-disk <limit-bytes>
//       Sets RLIMIT_FSIZE to the limit (SIGXFSZ ignored, so writes fail with EFBIG instead of killing us), appends
//       until an append throws, prints the error, checks the log, lifts the limit, appends again, exits 0.
//
// The tests open the same log with `CrashWorkerConfig` and decode values with the same rule.

enum CrashWorkerConfig {
    static let topicPartition = TopicPartition(topic: "crash", partition: 0)
    static let recoveryPointFile = "recovery-point"

    static var appendLoop: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 256 * 1024
        config.indexIntervalBytes = 512
        config.maxIndexSizeBytes = 2048
        config.retentionBytes = 2 * 1024 * 1024
        return config
    }

    static var fillDisk: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 64 * 1024 * 1024
        config.maxIndexSizeBytes = 64 * 1024
        return config
    }
}

struct WorkerFailure: Error, CustomStringConvertible {
    var description: String
}

enum Worker {
    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    static func openLog(_ logDir: String, config: LogConfig) throws -> Log {
        var logger = Logger(label: "crash-worker")
        logger.logLevel = .error
        return try Log.open(
            directory: logDir + "/crash-0", topicPartition: CrashWorkerConfig.topicPartition, config: config,
            recoveryPoint: readRecoveryPoint(logDir), logStartOffset: nil, hadCleanShutdown: false, logger: logger)
    }

    static func appendLoop(_ logDir: String) throws -> Never {
        let log = try openLog(logDir, config: CrashWorkerConfig.appendLoop)
        say("ready \(log.logEndOffset)")
        var appends = 0
        while true {
            let first = log.logEndOffset
            let count = Int.random(in: 0..<50) == 0 ? Int.random(in: 200...1000) : Int.random(in: 1...50)
            var buffer = ByteBuffer(bytes: BatchEncoder.selfDescribing(firstOffset: first, count: count))
            let info = try log.appendAsLeader(&buffer, leaderEpoch: 0)
            guard info.firstOffset == first, info.lastOffset == first + Int64(count) - 1 else {
                throw WorkerFailure(description: "append of \(count) at \(first) got offsets \(info.firstOffset)...\(info.lastOffset)")
            }
            appends += 1
            if appends % 64 == 0 { try log.deleteOldSegments() }
            if appends % 256 == 0 {
                try log.flush()
                try writeRecoveryPoint(log.recoveryPoint, logDir)
            }
        }
    }

    static func fillDisk(_ logDir: String, limitBytes: Int) throws {
        let log = try openLog(logDir, config: CrashWorkerConfig.fillDisk)
        signal(SIGXFSZ, SIG_IGN)
        try setFileSizeLimit(rlim_t(limitBytes))
        say("ready \(log.logEndOffset)")
        do {
            while true {
                var buffer = ByteBuffer(bytes: BatchEncoder.selfDescribing(firstOffset: log.logEndOffset, count: Int.random(in: 1...50)))
                _ = try log.appendAsLeader(&buffer, leaderEpoch: 0)
            }
        } catch let error as StorageError {
            say("append failed: errorCode=\(error.errorCode.rawValue) \(error)")
        }
        say("log end offset \(log.logEndOffset)")
        let batches = try verify(log)
        say("consistent \(batches) batches, offsets \(log.logStartOffset)..<\(log.logEndOffset)")
        try setFileSizeLimit(rlim_t.max)  // RLIM_INFINITY
        let first = log.logEndOffset
        var buffer = ByteBuffer(bytes: BatchEncoder.selfDescribing(firstOffset: first, count: 5))
        let info = try log.appendAsLeader(&buffer, leaderEpoch: 0)
        guard info.firstOffset == first else {
            throw WorkerFailure(description: "append after recovery got offset \(info.firstOffset), expected \(first)")
        }
        try log.close()
        say("recovered \(info.firstOffset) \(log.logEndOffset)")
    }

    /// Re-reads the whole log: batches must be contiguous and pass their CRC. Returns the number of batches.
    static func verify(_ log: Log) throws -> Int {
        var next = log.logStartOffset
        var batches = 0
        while next < log.logEndOffset {
            guard let bytes = try log.read(from: next, maxBytes: 1 << 20).records?.readBytes(), !bytes.isEmpty else {
                throw WorkerFailure(description: "read(from: \(next)) returned nothing below the log end \(log.logEndOffset)")
            }
            var position = 0
            while position < bytes.count {
                let header = BatchEncoder.header(bytes, at: position)
                guard header.baseOffset == next, header.size >= 61, position + header.size <= bytes.count,
                    header.crc == BatchEncoder.crc32c(bytes[(position + 21)..<(position + header.size)])
                else {
                    throw WorkerFailure(description: "bad batch at offset \(next): \(header)")
                }
                next = header.lastOffset + 1
                position += header.size
                batches += 1
            }
        }
        return batches
    }

    static func setFileSizeLimit(_ bytes: rlim_t) throws {
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { throw WorkerFailure(description: "getrlimit: errno \(errno)") }
        limit.rlim_cur = bytes
        guard setrlimit(resource, &limit) == 0 else { throw WorkerFailure(description: "setrlimit: errno \(errno)") }
    }

    static func readRecoveryPoint(_ logDir: String) -> Int64 {
        let text = (try? String(contentsOfFile: logDir + "/" + CrashWorkerConfig.recoveryPointFile, encoding: .utf8)) ?? ""
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Written to a temp file and renamed, so a kill leaves the old or the new value, never half of one.
    static func writeRecoveryPoint(_ offset: Int64, _ logDir: String) throws {
        try "\(offset)\n".write(toFile: logDir + "/" + CrashWorkerConfig.recoveryPointFile, atomically: true, encoding: .utf8)
    }
}

/// Uncompressed Kafka v2 batches whose record values name their own offsets (the same layout and value rule as
/// the tests' `TestBatches` and `OffsetValues`: 8 big-endian offset bytes, then `offset % 97` filler bytes).
enum BatchEncoder {
    static func offsetValue(_ offset: Int64) -> [UInt8] {
        bigEndian(offset) + Array(repeating: UInt8(truncatingIfNeeded: offset &* 31), count: Int(offset % 97))
    }

    static func selfDescribing(firstOffset: Int64, count: Int) -> [UInt8] {
        let timestamp = Int64(time(nil)) * 1000
        var builder = RecordBatchBuilder(baseTimestamp: timestamp)
        for delta in 0..<count {
            builder.append(key: nil, value: offsetValue(firstOffset + Int64(delta)), timestamp: timestamp + Int64(delta))
        }
        return builder.build()  // base offset 0, as a producer sends it: the log assigns the real one
    }

    static func header(_ bytes: [UInt8], at position: Int) -> (baseOffset: Int64, size: Int, crc: UInt32, lastOffset: Int64) {
        func int(_ at: Int, _ width: Int) -> Int64 { (0..<width).reduce(0) { ($0 << 8) | Int64(bytes[position + at + $1]) } }
        guard position + 61 <= bytes.count else { return (-1, 0, 0, -1) }
        let base = int(0, 8)
        return (base, Int(int(8, 4)) + 12, UInt32(int(17, 4)), base + Int64(Int32(truncatingIfNeeded: int(23, 4))))
    }

    static func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum($0) }
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

let arguments = CommandLine.arguments
do {
    switch (arguments.count, arguments.count > 2 ? arguments[2] : "") {
    case (3, "append-loop"):
        try Worker.appendLoop(arguments[1])
    case (4, "fill-disk"):
        guard let limit = Int(arguments[3]), limit > 0 else { throw WorkerFailure(description: "bad limit \(arguments[3])") }
        try Worker.fillDisk(arguments[1], limitBytes: limit)
    default:
        throw WorkerFailure(description: "usage: StorageCrashWorker <logdir> append-loop | <logdir> fill-disk <limit-bytes>")
    }
} catch {
    Worker.say("error: \(error)")
    exit(1)
}
