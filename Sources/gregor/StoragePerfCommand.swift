import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import Storage

/// `gregor perf storage`: the storage engine's throughput on the disk holding `--dir`, for comparison with `dd` on
/// the same disk (scripts/bench/storage.sh does that comparison).
///
/// One partition log, one segment (segment.bytes above the data size, like dd's single file):
/// - append `--size-mib` in 16 KiB batches, then in 1 MiB batches, each once leaving durability to the page cache
///   and once ending with `flush()` (fdatasync) inside the timing. One pre-built batch is appended over and over
///   (the log rewrites its base offset in place), so the figure measures the log, not a record encoder.
/// - read the 16 KiB-batch log back (page cache warm) through `read` in 1 MiB fetches, copying with
///   `FileSlice.readBytes()`, and again with `pread` on the slice's descriptor into one reused buffer (the bytes a
///   fetch would hand to `sendfile`). A warm read of a GiB takes about a tenth of a second, so one pass is mostly
///   the scheduler's noise: each read measurement makes `--read-passes` passes and reports the fastest, as
///   scripts/bench/storage.sh does for dd's read.
/// - recovery: the same log is dropped without `close()` (no clean marker, indexes untrimmed, as after a crash) and
///   reopened with hadCleanShutdown false and recovery point 0, so every batch is re-validated.
struct StoragePerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Measure log append, read and recovery throughput on the disk holding --dir.")

    @Option(help: "A directory on the disk to measure; the tool works in a fresh subdirectory and removes it.")
    var dir: String = FileManager.default.temporaryDirectory.path

    @Option(name: .customLong("size-mib"), help: "MiB appended per run.")
    var sizeMiB: Int = 1024

    @Option(help: "Comma-separated measurements to run (default all): \(Self.measurements.joined(separator: ", ")).")
    var only: String?

    @Option(name: .customLong("read-passes"), help: "Passes over the log per read measurement; the fastest is reported.")
    var readPasses: Int = 5

    @Flag(help: "Print only 'RESULT <name> <value>' lines (MB/s, or seconds for recovery), for scripts.")
    var results = false

    static let measurements = [
        "append-16k-pagecache", "read-readbytes", "read-pread", "recovery-seconds",
        "append-16k-fsync", "append-1m-pagecache", "append-1m-fsync",
    ]

    func validate() throws {
        guard sizeMiB >= 1, sizeMiB <= 2000 else { throw ValidationError("--size-mib must be in 1...2000 (one segment)") }
        guard readPasses >= 1, readPasses <= 100 else { throw ValidationError("--read-passes must be in 1...100") }
        for name in selected where !Self.measurements.contains(name) {
            throw ValidationError("unknown measurement '\(name)'; known: \(Self.measurements.joined(separator: ", "))")
        }
    }

    private var selected: [String] {
        only.map { $0.split(separator: ",").map { String($0) } } ?? Self.measurements
    }

    func run() async throws {
        let root = dir + "/gregor-perf-storage-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bytes = Int64(sizeMiB) << 20
        let selected = Set(selected)
        if !results { print("gregor perf storage: \(sizeMiB) MiB per run in \(root)") }

        // The reads and the recovery use the log written by the 16 KiB page-cache run.
        if !selected.isDisjoint(with: ["append-16k-pagecache", "read-readbytes", "read-pread", "recovery-seconds"]) {
            let small = try StoragePerfBench(root: root + "/small", batchBytes: 16 << 10, totalBytes: bytes)
            small.label = "append-16k-pagecache"
            let append = try small.append(flushAtEnd: false)
            if selected.contains("append-16k-pagecache") {
                report("append-16k-pagecache", "append, 16 KiB batches, page cache", mbps: append)
            }
            if selected.contains("read-readbytes") {
                small.label = "read-readbytes"
                report("read-readbytes", "read, 1 MiB fetches, readBytes()", mbps: try fastest { try small.readAll(usePread: false) })
            }
            if selected.contains("read-pread") {
                small.label = "read-pread"
                report("read-pread", "read, 1 MiB fetches, pread on the slice fd", mbps: try fastest { try small.readAll(usePread: true) })
            }
            if selected.contains("recovery-seconds") {
                small.label = "recovery-seconds"
                let seconds = try small.recoverAfterSimulatedCrash()
                report("recovery-seconds", "recovery of \(sizeMiB) MiB, unclean open, recovery point 0", seconds: seconds, bytes: bytes)
            }
            try small.remove()
        }
        for (name, label, batchBytes, flush) in [
            ("append-16k-fsync", "append, 16 KiB batches, + fdatasync", 16 << 10, true),
            ("append-1m-pagecache", "append, 1 MiB batches, page cache", 1 << 20, false),
            ("append-1m-fsync", "append, 1 MiB batches, + fdatasync", 1 << 20, true),
        ] where selected.contains(name) {
            let bench = try StoragePerfBench(root: root + "/" + name, batchBytes: batchBytes, totalBytes: bytes)
            bench.label = name
            report(name, label, mbps: try bench.append(flushAtEnd: flush))
            try bench.remove()
        }
    }

    /// The best of `--read-passes` runs of `measure` (MB/s).
    private func fastest(_ measure: () throws -> Double) rethrows -> Double {
        var best = 0.0
        for _ in 0..<readPasses { best = max(best, try measure()) }
        return best
    }

    private func report(_ name: String, _ label: String, mbps: Double) {
        if results {
            print("RESULT \(name) \(Self.format(mbps))")
        } else {
            print("  \(label.padding(toLength: 58, withPad: " ", startingAt: 0)) \(Self.format(mbps)) MB/s")
        }
    }

    private func report(_ name: String, _ label: String, seconds: Double, bytes: Int64) {
        if results {
            print("RESULT \(name) \(String(format: "%.3f", seconds))")
        } else {
            let rate = Self.format(Double(bytes) / seconds / 1e6)
            print("  \(label.padding(toLength: 58, withPad: " ", startingAt: 0)) \(String(format: "%.3f", seconds)) s (\(rate) MB/s)")
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// One measured log: a fresh directory, a single-segment config, and one pre-built batch appended repeatedly.
/// Not thread-safe; one measurement at a time.
final class StoragePerfBench {
    let directory: String
    let config: LogConfig
    let batch: [UInt8]
    let batchCount: Int
    let logger: Logger
    /// The log under measurement, kept open between an append and the reads and recovery that follow it.
    private var log: Log?
    /// What the progress lines on stderr say is running, e.g. "append-16k-fsync".
    var label = ""
    static let topicPartition = TopicPartition(topic: "perf", partition: 0)

    init(root: String, batchBytes: Int, totalBytes: Int64) throws {
        directory = root + "/" + Self.topicPartition.directoryName
        var config = LogConfig()
        // One segment holds everything, as dd writes one file; the index grows with it.
        config.segmentBytes = Int(Int32.max)
        config.maxIndexSizeBytes = 64 << 20
        config.maxMessageBytes = max(config.maxMessageBytes, batchBytes)
        self.config = config
        batch = try PerfBatch.make(sizeBytes: batchBytes)
        batchCount = Int(totalBytes / Int64(batchBytes))
        var logger = Logger(label: "gregor-perf")
        logger.logLevel = .error
        self.logger = logger
    }

    private func open(recoveryPoint: Int64, clean: Bool) throws -> Log {
        try Log.open(
            directory: directory, topicPartition: Self.topicPartition, config: config, recoveryPoint: recoveryPoint,
            logStartOffset: nil, hadCleanShutdown: clean, logger: logger)
    }

    /// Appends `batchCount` batches to a new log; with `flushAtEnd`, the timing includes the final fdatasync.
    /// Returns MB/s (10^6 bytes, as dd reports). The log stays open (and, without the flush, unflushed).
    func append(flushAtEnd: Bool) throws -> Double {
        let log = try open(recoveryPoint: 0, clean: true)
        self.log = log
        var buffer = ByteBuffer(bytes: batch)
        sync()
        let start = ContinuousClock.now
        var progress = PerfProgress(label: label, unit: "MiB appended", total: Int64(batchCount) * Int64(batch.count), start: start)
        for index in 0..<batchCount {
            // The log wrote the assigned base offset into the buffer; a producer's batch says 0.
            buffer.setInteger(Int64(0), at: buffer.readerIndex)
            _ = try log.appendAsLeader(&buffer, leaderEpoch: 0)
            progress.report(done: Int64(index + 1) * Int64(batch.count), every: index)
        }
        if flushAtEnd { try log.flush() }
        let elapsed = ContinuousClock.now - start
        return Self.megabytesPerSecond(Int64(batchCount) * Int64(batch.count), elapsed)
    }

    /// Reads the whole log (page cache warm) from offset 0 in 1 MiB fetches; returns MB/s.
    func readAll(usePread: Bool) throws -> Double {
        guard let log else { throw CLIError("nothing appended yet") }
        let end = log.logEndOffset
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: (1 << 20) + batch.count, alignment: 4096)
        defer { scratch.deallocate() }
        var offset: Int64 = 0
        var total: Int64 = 0
        let start = ContinuousClock.now
        var progress = PerfProgress(label: label, unit: "MiB read", total: Int64(batchCount) * Int64(batch.count), start: start)
        var reads = 0
        while offset < end {
            reads += 1
            progress.report(done: total, every: reads)
            guard let slice = try log.read(from: offset, maxBytes: 1 << 20).records, slice.count > 0 else {
                throw CLIError("read(from: \(offset)) returned nothing below the log end \(end)")
            }
            if usePread {
                let n = pread(slice.file.descriptor, scratch.baseAddress, slice.count, off_t(slice.position))
                guard n == slice.count else { throw CLIError("pread returned \(n) of \(slice.count) bytes") }
                offset = try PerfBatch.nextOffset(after: UnsafeRawBufferPointer(rebasing: scratch[..<n]))
            } else {
                let bytes = try slice.readBytes()
                offset = try bytes.withUnsafeBytes { try PerfBatch.nextOffset(after: $0) }
            }
            total += Int64(slice.count)
        }
        return Self.megabytesPerSecond(total, ContinuousClock.now - start)
    }

    /// Drops the open log without `close()` (a crash: no clean marker, nothing flushed, indexes left at their
    /// preallocated size), then times reopening it with hadCleanShutdown false and recovery point 0, so that every
    /// batch is validated again. Returns seconds.
    func recoverAfterSimulatedCrash() throws -> Double {
        guard let crashed = log else { throw CLIError("nothing appended yet") }
        let expectedEnd = crashed.logEndOffset
        log = nil
        printError("perf storage: \(label): recovering the log (one step, no progress inside it)")
        let start = ContinuousClock.now
        let recovered = try open(recoveryPoint: 0, clean: false)
        let elapsed = ContinuousClock.now - start
        log = recovered
        guard recovered.logEndOffset == expectedEnd else {
            throw CLIError("recovery ended the log at \(recovered.logEndOffset), expected \(expectedEnd)")
        }
        return Self.seconds(elapsed)
    }

    /// Closes the log and deletes its files.
    func remove() throws {
        try log?.close()
        log = nil
        try FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent)
    }

    static func megabytesPerSecond(_ bytes: Int64, _ elapsed: Duration) -> Double {
        Double(bytes) / seconds(elapsed) / 1e6
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The benchmark's record batch: uncompressed Kafka v2 (layout in `RecordBatchHeader`), base offset 0 as a
/// producer sends it, records of up to 1 KiB values, padded so the whole batch is exactly the requested size.
enum PerfBatch {
    static func make(sizeBytes: Int) throws -> [UInt8] {
        guard sizeBytes >= 1024 else { throw CLIError("perf batches must be at least 1 KiB") }
        let valueBytes = 1000
        var count = max(1, (sizeBytes - 61) / (valueBytes + 12))
        // Shrink the last value until the batch fits exactly (varint widths can make one size unreachable).
        for _ in 0..<4 {
            let fixed = encode(count: count, valueBytes: valueBytes, lastValueBytes: 0).count
            var last = sizeBytes - fixed
            for _ in 0..<4 where last >= 0 {
                let batch = encode(count: count, valueBytes: valueBytes, lastValueBytes: last)
                if batch.count == sizeBytes { return batch }
                last -= batch.count - sizeBytes
            }
            count -= 1
        }
        throw CLIError("cannot build a batch of exactly \(sizeBytes) bytes")
    }

    /// `count` records with `valueBytes`-byte values, the last one with `lastValueBytes`.
    static func encode(count: Int, valueBytes: Int, lastValueBytes: Int) -> [UInt8] {
        var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000))
        for delta in 0..<count {
            let size = delta == count - 1 ? lastValueBytes : valueBytes
            builder.append(key: nil, value: Array(repeating: UInt8(truncatingIfNeeded: delta), count: size))
        }
        return builder.build()
    }

    /// The offset after the last batch in `bytes` (whole batches), walking the headers only.
    static func nextOffset(after bytes: UnsafeRawBufferPointer) throws -> Int64 {
        var position = 0
        var next: Int64 = -1
        while position + 61 <= bytes.count {
            let base = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
            let length = Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: position + 8, as: Int32.self)))
            let lastDelta = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: position + 23, as: Int32.self))
            next = base + Int64(lastDelta) + 1
            position += 12 + length
        }
        guard position == bytes.count, next >= 0 else { throw CLIError("read returned a partial batch") }
        return next
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// A line on stderr every 2 s while one measurement runs (which one, and how far), so a long run shows it is alive;
/// stdout, which carries the results, is untouched. The clock is read every 64th step only, to stay out of the
/// figure being measured.
struct PerfProgress {
    let label: String
    let unit: String
    let total: Int64
    private var throttle: ProgressThrottle

    init(label: String, unit: String, total: Int64, start: ContinuousClock.Instant) {
        self.label = label
        self.unit = unit
        self.total = total
        self.throttle = ProgressThrottle(interval: .seconds(2), start: start)
    }

    mutating func report(done: Int64, every step: Int) {
        guard step % 64 == 0, throttle.isDue(at: .now) else { return }
        let percent = total > 0 ? done * 100 / total : 100
        printError("perf storage: \(label): \(done >> 20)/\(total >> 20) \(unit) (\(percent)%)")
    }
}
