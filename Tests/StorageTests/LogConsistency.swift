import KafkaProtocol
import Storage

/// What a consistent log looks like from the outside, checked through `Log.read` only:
/// every batch passes its CRC-32C, offsets run without gap or overlap from the log start to the log end, every
/// segment starts with a batch at its base offset, a lookup of any offset returns the batch that holds it (so the
/// indexes agree with the data), and, for logs written with `OffsetValues`, each record names its own offset.
struct LogConsistency {
    struct Report {
        var batches: [ParsedBatch] = []
        var records: Int64 { batches.reduce(0) { $0 + Int64($1.records.count) } }
    }

    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    /// Checks the whole log; throws the first violation found. `lookups` picks which offsets of each batch are
    /// looked up one by one (all of them is thorough but slow on large logs).
    @discardableResult
    static func check(
        _ log: Log, valuesNameOffsets: Bool = true, lookups: LookupCoverage = .allOffsets, readBytes: Int = 1 << 20
    ) throws -> Report {
        let start = log.logStartOffset
        let end = log.logEndOffset
        var report = Report()
        var next = start
        while next < end {
            let info = try log.read(from: next, maxBytes: readBytes)
            guard let slice = info.records, slice.count > 0 else {
                throw Violation(description: "read(from: \(next)) returned nothing below the log end \(end)")
            }
            for batch in try TestBatchReader.batches(in: try slice.readBytes()) {
                try checkBatch(batch, expectedFirst: next, isFirstOfLog: report.batches.isEmpty, valuesNameOffsets: valuesNameOffsets)
                report.batches.append(batch)
                next = batch.lastOffset + 1
            }
        }
        guard next == end else {
            throw Violation(description: "batches end at offset \(next - 1) but the log end offset is \(end)")
        }
        for batch in report.batches {
            for offset in lookups.offsets(of: batch) where offset >= start {
                try checkLookup(log, offset: offset, expected: batch)
            }
        }
        for base in log.segmentBaseOffsets where base < end && base >= start {
            guard report.batches.contains(where: { $0.baseOffset == base }) else {
                throw Violation(description: "no batch starts at segment base offset \(base)")
            }
        }
        return report
    }

    enum LookupCoverage {
        case allOffsets
        /// First, last and one offset in between: enough to catch an index pointing at the wrong batch.
        case edgesAndMiddle
        case none

        func offsets(of batch: ParsedBatch) -> [Int64] {
            switch self {
            case .allOffsets: Array(batch.offsets)
            case .edgesAndMiddle: Array(Set([batch.baseOffset, (batch.baseOffset + batch.lastOffset) / 2, batch.lastOffset]))
            case .none: []
            }
        }
    }

    private static func checkBatch(
        _ batch: ParsedBatch, expectedFirst: Int64, isFirstOfLog: Bool, valuesNameOffsets: Bool
    ) throws {
        guard batch.crcIsValid else {
            throw Violation(
                description: "batch at offset \(batch.baseOffset) fails its CRC (stored \(batch.storedCRC), computed \(batch.computedCRC))")
        }
        // Only the log's first batch may begin below the offset asked for (the log start can fall inside it).
        let contiguous = isFirstOfLog ? batch.offsets.contains(expectedFirst) : batch.baseOffset == expectedFirst
        guard contiguous else {
            throw Violation(description: "expected a batch starting at offset \(expectedFirst), found \(batch.offsets)")
        }
        guard batch.records.count == Int(batch.lastOffsetDelta) + 1 else {
            throw Violation(
                description: "batch at offset \(batch.baseOffset) holds \(batch.records.count) records but spans \(batch.offsets)")
        }
        guard valuesNameOffsets else { return }
        for (delta, record) in batch.records.enumerated() {
            let offset = batch.baseOffset + Int64(delta)
            guard record.value == OffsetValues.value(for: offset) else {
                throw Violation(description: "record at offset \(offset) does not hold its own offset's value")
            }
        }
    }

    private static func checkLookup(_ log: Log, offset: Int64, expected: ParsedBatch) throws {
        let info = try log.read(from: offset, maxBytes: 1)
        guard let bytes = try info.records?.readBytes(), !bytes.isEmpty else {
            throw Violation(description: "read(from: \(offset), maxBytes: 1) returned nothing")
        }
        let found = try TestBatchReader.batches(in: bytes)
        guard found.count == 1, found[0].baseOffset == expected.baseOffset, found[0].lastOffset == expected.lastOffset else {
            throw Violation(description: "read(from: \(offset), maxBytes: 1) returned \(found.map(\.offsets)) instead of \(expected.offsets)")
        }
    }
}
