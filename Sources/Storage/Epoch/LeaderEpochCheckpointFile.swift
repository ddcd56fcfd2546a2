import Foundation

/// A partition's `leader-epoch-checkpoint` (Kafka's `LeaderEpochCheckpointFile`): where each leader epoch starts.
///
/// ```
/// 0        <- version (always 0; the layout of every Kafka checkpoint file, `OffsetCheckpointFile`'s reader)
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
        OffsetCheckpointFile.renderLines(entries.map { "\($0.epoch) \($0.startOffset)" })
    }

    /// The shared checkpoint reader of `OffsetCheckpointFile`, with `epoch startOffset` entries.
    static func parse(_ text: String, path: String) throws(CheckpointError) -> [EpochEntry] {
        try OffsetCheckpointFile.parseEntries(text, path: path) { line in
            guard let fields = OffsetCheckpointFile.javaFields(line), fields.count == 2, let epoch = Int32(fields[0]),
                let offset = Int64(fields[1])
            else { return nil }
            return EpochEntry(epoch: epoch, startOffset: offset)
        }
    }
}
