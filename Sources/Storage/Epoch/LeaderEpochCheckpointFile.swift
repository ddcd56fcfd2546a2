import Foundation

/// A partition's `leader-epoch-checkpoint` (Kafka's `LeaderEpochCheckpointFile`): where each leader epoch starts.
///
/// ```
/// 0        <- version (always 0)
/// 2        <- number of entries
/// 0 0      <- epoch, start offset
/// 3 1520
/// ```
///
/// Written whenever the cache changes, which is rare (a new leader, a truncation, retention moving the first epoch),
/// by rename of a temp file but without fsync: the log rebuilds its epochs from the batches whenever it is opened, so
/// this file is never the only record of an epoch that has data, and a failover that makes thousands of replicas
/// leaders does not wait for thousands of fsyncs. (Kafka fsyncs it.)
public struct LeaderEpochCheckpointFile: Sendable {
    public static let fileName = "leader-epoch-checkpoint"
    public static let currentVersion = 0

    public let path: String

    public init(partitionDirectory: String) {
        self.path = partitionDirectory + "/" + Self.fileName
    }

    public func write(_ entries: [EpochEntry]) throws(CheckpointError) {
        do throws(AtomicFile.Failure) {
            try AtomicFile.replace(path, with: Self.render(entries), durable: false)
        } catch {
            throw CheckpointError(error)
        }
    }

    /// The stored entries; nil when the file does not exist.
    public func read() throws(CheckpointError) -> [EpochEntry]? {
        let data: Data?
        do throws(AtomicFile.Failure) {
            data = try AtomicFile.contentsIfPresent(path)
        } catch {
            throw CheckpointError(error)
        }
        guard let data else { return nil }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformedLine(path: path, lineNumber: 1, line: "<not UTF-8 text>")
        }
        return try Self.parse(text, path: path)
    }

    static func render(_ entries: [EpochEntry]) -> String {
        var text = "\(currentVersion)\n\(entries.count)\n"
        for entry in entries { text += "\(entry.epoch) \(entry.startOffset)\n" }
        return text
    }

    static func parse(_ text: String, path: String) throws(CheckpointError) -> [EpochEntry] {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map(String.init)
        var body = lines
        while body.last == "" { body.removeLast() }
        guard body.count >= 2 else {
            if body.isEmpty { return [] }
            throw .malformedLine(path: path, lineNumber: 1, line: body[0])
        }
        guard let version = Int(body[0]) else { throw .malformedLine(path: path, lineNumber: 1, line: body[0]) }
        guard version == currentVersion else { throw .unrecognizedVersion(path: path, version: version) }
        guard let count = Int(body[1]), count >= 0 else { throw .malformedLine(path: path, lineNumber: 2, line: body[1]) }
        var entries: [EpochEntry] = []
        for (index, line) in body.dropFirst(2).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2, let epoch = Int32(fields[0]), let offset = Int64(fields[1]) else {
                throw .malformedLine(path: path, lineNumber: index + 3, line: line)
            }
            entries.append(EpochEntry(epoch: epoch, startOffset: offset))
        }
        guard entries.count == count else { throw .entryCountMismatch(path: path, expected: count, found: entries.count) }
        return entries
    }
}
