import Glibc

/// Why an offset or time index refused an operation or could not be used. Every message names the index file, and
/// where Kafka has an exception for the case its wording is kept (`InvalidOffsetException`,
/// `IndexOffsetOverflowException`, `CorruptIndexException`), so operators can search for it.
public enum IndexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No free slot is left; the segment should have rolled before this append.
    case indexFull(path: String, entries: Int)
    /// Kafka's `InvalidOffsetException`: appended offsets must be strictly increasing.
    case offsetNotIncreasing(path: String, offset: Int64, lastOffset: Int64, entries: Int)
    /// A time index timestamp below the last one: the caller must append the segment's running maximum.
    case timestampNotIncreasing(path: String, timestamp: Int64, lastTimestamp: Int64, entries: Int)
    /// Kafka's `IndexOffsetOverflowException`: `offset - baseOffset` does not fit the 4-byte relative offset.
    case offsetOverflow(path: String, offset: Int64, baseOffset: Int64)
    /// Kafka's `CorruptIndexException`; the segment's indexes must be rebuilt from its log.
    case corruptIndex(path: String, message: String)
    case entryOutOfRange(path: String, slot: Int, entries: Int)
    /// `maxIndexSizeBytes` cannot hold even one entry.
    case invalidMaxIndexSize(path: String, maxIndexSizeBytes: Int, entrySizeBytes: Int)
    /// A resize would cut off valid entries.
    case resizeBelowEntries(path: String, sizeBytes: Int, entries: Int)
    /// The index was opened read-only (`writable: false`).
    case readOnly(path: String, operation: String)
    /// The index was closed or deleted; it no longer maps its file.
    case closed(path: String, operation: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .indexFull(let path, let entries):
            "Attempt to append to a full index \(path) (size = \(entries))."
        case .offsetNotIncreasing(let path, let offset, let lastOffset, let entries):
            "Attempt to append an offset (\(offset)) to position \(entries) no larger than the last offset appended "
                + "(\(lastOffset)) to \(path)."
        case .timestampNotIncreasing(let path, let timestamp, let lastTimestamp, let entries):
            "Attempt to append a timestamp (\(timestamp)) to slot \(entries) no larger than the last timestamp "
                + "appended (\(lastTimestamp)) to \(path)."
        case .offsetOverflow(let path, let offset, let baseOffset):
            "Integer overflow for offset: \(offset) (\(path)): base offset \(baseOffset)"
        case .corruptIndex(_, let message):
            message
        case .entryOutOfRange(let path, let slot, let entries):
            "Attempt to fetch the \(slot)th entry from index \(path), which has size \(entries)."
        case .invalidMaxIndexSize(let path, let maxIndexSizeBytes, let entrySizeBytes):
            "Invalid max index size: \(maxIndexSizeBytes) for \(path) (entries are \(entrySizeBytes) bytes)"
        case .resizeBelowEntries(let path, let sizeBytes, let entries):
            "Cannot resize index \(path) to \(sizeBytes) bytes: it holds \(entries) entries"
        case .readOnly(let path, let operation):
            "Cannot \(operation) index \(path): it was opened read-only"
        case .closed(let path, let operation):
            "Cannot \(operation) index \(path): it is closed"
        case .io(let operation, let path, let code):
            "\(operation) failed on index \(path): \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// The index file the error is about.
    public var path: String {
        switch self {
        case .indexFull(let path, _), .offsetNotIncreasing(let path, _, _, _),
            .timestampNotIncreasing(let path, _, _, _), .offsetOverflow(let path, _, _), .corruptIndex(let path, _),
            .entryOutOfRange(let path, _, _), .invalidMaxIndexSize(let path, _, _),
            .resizeBelowEntries(let path, _, _), .readOnly(let path, _), .closed(let path, _), .io(_, let path, _):
            path
        }
    }
}
