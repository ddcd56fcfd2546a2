import Foundation

/// Read access to a log file that a child process appends to. Fixtures that restart a process in the same
/// directory keep one file for all runs and remember where each run began, so that "wait for line X" only sees
/// the current run.
struct LogFile: Sendable {
    let url: URL

    /// The file's current size in bytes (0 if it does not exist yet): the offset where a new run's output starts.
    func size() -> UInt64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// The text from `offset` to the current end (invalid UTF-8 repaired), or "" if the file cannot be read.
    func text(from offset: UInt64 = 0) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd() else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The last `lines` lines from `offset` on, for error messages.
    func tail(from offset: UInt64 = 0, lines: Int = 40) -> String {
        text(from: offset).split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            .joined(separator: "\n")
    }
}
