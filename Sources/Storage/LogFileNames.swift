import Foundation

/// Kafka's names for the files in a partition directory (`kafka.log.Log` companion object), verbatim, so a
/// directory moves between Kafka and Gregor unchanged:
///
/// ```
/// my-topic-0/
///   00000000000000000000.log        records of the segment whose base offset is 0
///   00000000000000000000.index      its offset index
///   00000000000000000000.timeindex  its time index
///   00000000000000000000.txnindex   its aborted transactions (only once it has one)
///   00000000000000368769.snapshot   the producer state as of offset 368769
///   00000000000000368769.log        the next segment, base offset 368769
///   ...
/// ```
///
/// The base offset is zero-padded to 20 digits so that `ls` sorts segments numerically. Suffixes appended after
/// those mark files in transition: `.deleted` (waiting for asynchronous deletion), `.cleaned` (being written by the
/// log cleaner), `.swap` (about to replace segments).
public enum LogFileNames {
    public static let logSuffix = ".log"
    public static let indexSuffix = ".index"
    public static let timeIndexSuffix = ".timeindex"
    public static let producerSnapshotSuffix = ".snapshot"
    public static let txnIndexSuffix = ".txnindex"
    /// A file scheduled for deletion.
    public static let deletedSuffix = ".deleted"
    /// A temporary file used by log cleaning.
    public static let cleanedSuffix = ".cleaned"
    /// A temporary file used when swapping files into the log.
    public static let swapSuffix = ".swap"
    /// A partition directory scheduled for deletion: `topic-partition.uniqueId-delete`.
    public static let deleteDirSuffix = "-delete"
    /// A partition directory being moved to another log dir: `topic-partition.uniqueId-future`.
    public static let futureDirSuffix = "-future"

    /// The offset zero-padded to 20 digits (Kafka's `filenamePrefixFromOffset`): 42 gives
    /// `00000000000000000042`.
    public static func filenamePrefix(offset: Int64) -> String {
        let digits = String(offset.magnitude)
        let padding = String(repeating: "0", count: max(0, 20 - digits.count))
        return (offset < 0 ? "-" : "") + padding + digits
    }

    /// `<dir>/<prefix>.log<suffix>`; `suffix` is "" or one of the transition suffixes (`.deleted`, ...).
    public static func logFile(dir: String, offset: Int64, suffix: String = "") -> String {
        file(dir: dir, offset: offset, suffix: logSuffix + suffix)
    }

    /// `<dir>/<prefix>.index<suffix>`.
    public static func offsetIndexFile(dir: String, offset: Int64, suffix: String = "") -> String {
        file(dir: dir, offset: offset, suffix: indexSuffix + suffix)
    }

    /// `<dir>/<prefix>.timeindex<suffix>`.
    public static func timeIndexFile(dir: String, offset: Int64, suffix: String = "") -> String {
        file(dir: dir, offset: offset, suffix: timeIndexSuffix + suffix)
    }

    /// `<dir>/<prefix>.txnindex<suffix>`: a segment's aborted transactions.
    public static func txnIndexFile(dir: String, offset: Int64, suffix: String = "") -> String {
        file(dir: dir, offset: offset, suffix: txnIndexSuffix + suffix)
    }

    /// `<dir>/<prefix>.snapshot`: the producer state as of `offset` (the log end offset when it was taken).
    public static func producerSnapshotFile(dir: String, offset: Int64) -> String {
        file(dir: dir, offset: offset, suffix: producerSnapshotSuffix)
    }

    /// The base offset a segment file name starts with (everything before the first `.`, Kafka's
    /// `offsetFromFileName`); nil when the name has no `.` or does not start with a number.
    public static func offset(fromFileName fileName: String) -> Int64? {
        guard let dot = fileName.firstIndex(of: ".") else { return nil }
        return Int64(fileName[..<dot])
    }

    private static func file(dir: String, offset: Int64, suffix: String) -> String {
        (dir as NSString).appendingPathComponent(filenamePrefix(offset: offset) + suffix)
    }
}
