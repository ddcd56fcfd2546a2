import KafkaProtocol
import Foundation
import Synchronization

/// A text file of one offset per partition that Kafka keeps in every log dir (Kafka's `OffsetCheckpointFile`):
/// `recovery-point-offset-checkpoint` (where log recovery starts), `replication-offset-checkpoint` (high watermarks)
/// and `log-start-offset-checkpoint`.
///
/// ```
/// 0               <- version (always 0)
/// 2               <- number of entries
/// my-topic 0 42   <- topic, partition, offset, separated by whitespace
/// my-topic 1 17
/// ```
///
/// Lines end with `\n` (`\r` and `\r\n` are accepted when reading, as Java's `readLine` does). Writes replace the
/// file atomically (temp file, fsync, rename, fsync of the directory), so a crash leaves the old or the new
/// checkpoint, never a torn one. Entries are written sorted by topic and partition (Kafka writes hash order; readers
/// do not care). Thread-safety: reads and writes of one instance are serialized, as in Kafka's `CheckpointFile`;
/// use one instance per file. Blocking; call it off event loops.
public final class OffsetCheckpointFile: Sendable {
    public static let recoveryPointFileName = "recovery-point-offset-checkpoint"
    public static let replicationOffsetFileName = "replication-offset-checkpoint"
    public static let logStartOffsetFileName = "log-start-offset-checkpoint"
    public static let currentVersion = 0

    public let path: String
    private let lock = Mutex(())

    public init(path: String) {
        self.path = path
    }

    /// The checkpoint file `fileName` (one of the `...FileName` constants) inside `logDir`.
    public convenience init(logDir: String, fileName: String) {
        self.init(path: (logDir as NSString).appendingPathComponent(fileName))
    }

    /// Replaces the file with `offsets`, creating the directory when missing.
    public func write(_ offsets: [TopicPartition: Int64]) throws(CheckpointError) {
        let text = Self.render(offsets)
        try lock.withLock { _ throws(CheckpointError) in
            do throws(AtomicFile.Failure) {
                try AtomicFile.replace(path, with: text)
            } catch {
                throw CheckpointError(error)
            }
        }
    }

    /// The stored offsets; empty when the file does not exist or is empty (Kafka creates it empty). When a
    /// partition appears twice, the last line wins.
    public func read() throws(CheckpointError) -> [TopicPartition: Int64] {
        let data = try lock.withLock { _ throws(CheckpointError) -> Data? in
            do throws(AtomicFile.Failure) {
                return try AtomicFile.contentsIfPresent(path)
            } catch {
                throw CheckpointError(error)
            }
        }
        guard let data else { return [:] }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformedLine(path: path, lineNumber: 1, line: "<not UTF-8 text>")
        }
        return try Self.parse(text, path: path)
    }

    /// The file's text for `offsets`.
    static func render(_ offsets: [TopicPartition: Int64]) -> String {
        renderLines(offsets.sorted(by: { $0.key < $1.key }).map { "\($0.key.topic) \($0.key.partition) \($0.value)" })
    }

    /// Kafka's checkpoint layout for any entry type: version, count, one line per entry.
    static func renderLines(_ lines: [String]) -> String {
        "\(currentVersion)\n\(lines.count)\n" + lines.map { $0 + "\n" }.joined()
    }

    /// Parses the file's text like Kafka's `CheckpointReadBuffer`; `path` only names the file in errors.
    static func parse(_ text: String, path: String) throws(CheckpointError) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, offset) in try parseEntries(text, path: path, entry: parseEntry) { offsets[partition] = offset }
        return offsets
    }

    /// Kafka's `CheckpointReadBuffer` for any entry type: the version line (0), the count line, then one entry per
    /// line, split on Java's whitespace by `entry` (nil: malformed). Empty text (or no count line) is no entries.
    static func parseEntries<Entry>(
        _ text: String, path: String, entry parseLine: (String) -> Entry?
    ) throws(CheckpointError) -> [Entry] {
        var lines = NaturalLines(text)
        guard let (versionNumber, versionLine) = lines.next().map({ ($0.number, String(scalars: $0.line)) }) else {
            return []
        }
        guard let version = Int(versionLine) else {
            throw .malformedLine(path: path, lineNumber: versionNumber, line: versionLine)
        }
        guard version == currentVersion else { throw .unrecognizedVersion(path: path, version: version) }
        guard let (countNumber, countLine) = lines.next().map({ ($0.number, String(scalars: $0.line)) }) else {
            return []
        }
        guard let expectedCount = Int(countLine) else {
            throw .malformedLine(path: path, lineNumber: countNumber, line: countLine)
        }
        var entries: [Entry] = []
        while let (number, scalars) = lines.next() {
            let line = String(scalars: scalars)
            guard let entry = parseLine(line) else {
                throw .malformedLine(path: path, lineNumber: number, line: line)
            }
            entries.append(entry)
        }
        guard entries.count == expectedCount else {
            throw .entryCountMismatch(path: path, expected: expectedCount, found: entries.count)
        }
        return entries
    }

    /// `topic partition offset`, split on runs of whitespace as Java's `split("\\s+")`: leading whitespace makes
    /// an empty first field (so the line is malformed), trailing whitespace is ignored.
    private static func parseEntry(_ line: String) -> (TopicPartition, Int64)? {
        guard let fields = javaFields(line), fields.count == 3, let partition = Int32(fields[1]),
            let offset = Int64(fields[2])
        else { return nil }
        return (TopicPartition(topic: fields[0], partition: partition), offset)
    }

    /// A line's fields, split on runs of Java whitespace; nil when it starts with whitespace (Java's `split`
    /// then yields an empty first field).
    static func javaFields(_ line: String) -> [String]? {
        guard let first = line.unicodeScalars.first, !isJavaWhitespace(first) else { return nil }
        return line.unicodeScalars.split(whereSeparator: isJavaWhitespace).map { String($0) }
    }

    /// Java regex `\s`: `[ \t\n\x0B\f\r]`.
    private static func isJavaWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\u{0B}" || scalar == "\u{0C}" || scalar == "\r"
    }
}

extension String {
    fileprivate init(scalars: [Unicode.Scalar]) {
        self.init(String.UnicodeScalarView(scalars))
    }
}

/// Why a checkpoint file cannot be read or written; messages follow Kafka's `CheckpointReadBuffer`.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `lineNumber` is 1-based.
    case malformedLine(path: String, lineNumber: Int, line: String)
    case unrecognizedVersion(path: String, version: Int)
    case entryCountMismatch(path: String, expected: Int, found: Int)
    case io(operation: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedLine(let path, let lineNumber, let line):
            "Malformed line in checkpoint file (\(path)): '\(line)' (line \(lineNumber))"
        case .unrecognizedVersion(let path, let version):
            "Unrecognized version of the checkpoint file (\(path)): \(version)"
        case .entryCountMismatch(let path, let expected, let found):
            "Expected \(expected) entries in checkpoint file (\(path)), but found only \(found)"
        case .io(let operation, let path, let reason):
            "Failed to \(operation) checkpoint file '\(path)': \(reason)"
        }
    }

    init(_ failure: AtomicFile.Failure) {
        self = .io(operation: failure.operation, path: failure.path, reason: failure.reason)
    }
}
