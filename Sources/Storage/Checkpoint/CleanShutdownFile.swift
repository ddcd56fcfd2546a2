import Foundation

/// The marker Kafka leaves in each log dir after a clean shutdown (`Log.CleanShutdownFile`): an empty file named
/// `.kafka_cleanshutdown`. At startup its presence means every log was flushed and closed (indexes trimmed), so
/// recovery can be skipped; the log manager deletes it once logs are loaded and creates it again as the last step
/// of shutdown. Creation and deletion are made durable (directory fsync), because a marker that reappears after a
/// crash would make the next startup skip recovery of unflushed data. Blocking; call it off event loops.
public enum CleanShutdownFile {
    public static let fileName = ".kafka_cleanshutdown"

    /// The marker's path inside `logDir`.
    public static func path(logDir: String) -> String {
        (logDir as NSString).appendingPathComponent(fileName)
    }

    public static func exists(logDir: String) -> Bool {
        access(path(logDir: logDir), F_OK) == 0
    }

    /// Creates the (empty) marker durably; creating it again when present is fine.
    public static func create(logDir: String) throws(CheckpointError) {
        do throws(AtomicFile.Failure) {
            try AtomicFile.replace(path(logDir: logDir), with: "")
        } catch {
            throw CheckpointError(error)
        }
    }

    /// Deletes the marker if present, and makes the deletion durable.
    public static func delete(logDir: String) throws(CheckpointError) {
        let path = path(logDir: logDir)
        guard unlink(path) == 0 else {
            if errno == ENOENT { return }
            throw CheckpointError(AtomicFile.Failure("delete", path))
        }
        let fd = open(logDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointError(AtomicFile.Failure("open directory", logDir)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CheckpointError(AtomicFile.Failure("fsync directory", logDir)) }
    }
}
