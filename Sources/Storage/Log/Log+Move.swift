import Foundation
import KafkaProtocol

/// Moving a log to another of the broker's log dirs (AlterReplicaLogDirs) while it keeps serving. Kafka copies into a
/// future log with a ReplicaAlterLogDirsThread; Gregor copies the files, in two phases:
///
/// 1. Without the log's lock, after a roll: every inactive segment (and its trimmed indexes) into
///    `<dest log dir>/<topic>-<partition>.<id>-future`. Inactive segments change only by truncation, which the log
///    counts, and by retention, which only removes them.
/// 2. Under the lock, so no append, roll or truncation runs meanwhile: whatever changed or is new since phase 1 (the
///    active segment always; everything again after a truncation) is copied, every copy fsynced; the future
///    directory is renamed to `<dest log dir>/<topic>-<partition>`, the old one to `<topic>-<partition>.<id>-delete`,
///    and the log continues on segments opened from the copies, with its in-memory producer and epoch state.
///
/// A crash before the first rename leaves a `-future` directory that the next start deletes (the old log is whole);
/// between the two renames the partition exists in both log dirs, and the broker refuses to start, as Kafka does.
extension Log {
    /// What phase 1 copied: each segment's size by base offset, and the truncation count it saw.
    struct CopiedSegments {
        var sizes: [Int64: Int] = [:]
        var truncations: Int
    }

    /// Phase 1. `keepGoing` is asked between segments (a broker shutting down stops the move). Returns nil when it
    /// said stop.
    func copyInactiveSegments(into future: String, keepGoing: () -> Bool) throws -> CopiedSegments? {
        try roll()
        let (segments, truncations) = state.withLock { (Array($0.segments.dropLast()), $0.truncations) }
        var copied = CopiedSegments(truncations: truncations)
        for segment in segments {
            guard keepGoing() else { return nil }
            copied.sizes[segment.baseOffset] = try Self.copySegment(segment, into: future, withIndexes: true)
        }
        return copied
    }

    /// Phase 2: the switch to `destination` (the final partition directory, next to `future`); `retired` is the
    /// name the old directory takes until it is removed. Returns the retired directory, for the caller to remove.
    func completeMove(from future: String, to destination: String, copied: CopiedSegments, retired: String) throws -> String {
        try state.withLock { state in
            guard !state.closed else { throw StorageError.logClosed(path: directory) }
            var trusted = state.truncations == copied.truncations ? copied.sizes : [:]
            let current = Set(state.segments.map(\.baseOffset))
            for base in copied.sizes.keys where trusted[base] == nil || !current.contains(base) {
                try Self.removeCopy(base, in: future)
                trusted[base] = nil
            }
            for (i, segment) in state.segments.enumerated() {
                let active = i == state.segments.count - 1
                if !active, trusted[segment.baseOffset] == segment.sizeInBytes { continue }
                try Self.removeCopy(segment.baseOffset, in: future)
                // The active segment's indexes are preallocated and still growing: the copy rebuilds them.
                try Self.copySegment(segment, into: future, withIndexes: !active)
            }
            // The producer snapshots, so the copy opens without replaying every segment (it rebuilds the active
            // segment's indexes, `.txnindex` included, from the state at its base).
            let sourceDirectory = directory
            for offset in ProducerStateSnapshot.offsets(in: sourceDirectory) {
                let target = LogFileNames.producerSnapshotFile(dir: future, offset: offset)
                if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
                try DurableFileCopy.copy(LogFileNames.producerSnapshotFile(dir: sourceDirectory, offset: offset), to: target)
            }
            try LeaderEpochCheckpointFile(partitionDirectory: future).write(state.leaderEpochs.entries)
            try DurableFileCopy.syncDirectory(future)

            let source = directory
            try DurableFileCopy.rename(future, to: destination)
            do {
                try DurableFileCopy.rename(source, to: retired)
            } catch {
                try? FileManager.default.removeItem(atPath: destination)
                throw error
            }
            let opened: Log
            do {
                opened = try Log.open(
                    directory: destination, topicPartition: topicPartition, config: state.config,
                    recoveryPoint: state.nextOffset, logStartOffset: state.logStartOffset, hadCleanShutdown: true,
                    newSegmentUse: .existingConsumer, descriptors: descriptors,
                    rebuildingIndexesOf: [state.activeSegment.baseOffset], logger: logger)
            } catch {
                // Back to where it was: the old directory under its name, no copy.
                try? DurableFileCopy.rename(retired, to: source)
                try? FileManager.default.removeItem(atPath: destination)
                throw error
            }
            let segments = opened.state.withLock { $0.segments }
            let copiedEnd = try segments[segments.count - 1].readNextOffset()
            guard copiedEnd == state.nextOffset else {
                try? DurableFileCopy.rename(retired, to: source)
                try? FileManager.default.removeItem(atPath: destination)
                throw StorageError.io("move (the copy ends at \(copiedEnd), not \(state.nextOffset))", path: destination, errno: 5)
            }
            for segment in state.segments { try? segment.close() }
            state.segments = segments
            // Every copied byte was fsynced.
            state.recoveryPoint = state.nextOffset
            state.unflushedMessages = 0
            directoryPath.withLock { $0 = destination }
            state.checkInvariants()
            logger.info("Moved log from \(source) to \(destination)")
            return retired
        }
    }

    /// Copies a segment's `.log` (its valid bytes) and, when asked, its index files; returns the bytes copied.
    @discardableResult
    private static func copySegment(_ segment: LogSegment, into future: String, withIndexes: Bool) throws -> Int {
        let base = segment.baseOffset
        let source = DurableFileCopy.parent(of: segment.file.path)
        let size = segment.sizeInBytes
        try DurableFileCopy.copy(
            LogFileNames.logFile(dir: source, offset: base), to: LogFileNames.logFile(dir: future, offset: base),
            length: size)
        if withIndexes {
            for name in [LogFileNames.offsetIndexFile, LogFileNames.timeIndexFile, LogFileNames.txnIndexFile] {
                let path = name(source, base, "")
                if FileManager.default.fileExists(atPath: path) { try DurableFileCopy.copy(path, to: name(future, base, "")) }
            }
        }
        return size
    }

    private static func removeCopy(_ base: Int64, in future: String) throws {
        for path in [
            LogFileNames.logFile(dir: future, offset: base), LogFileNames.offsetIndexFile(dir: future, offset: base),
            LogFileNames.timeIndexFile(dir: future, offset: base), LogFileNames.txnIndexFile(dir: future, offset: base),
        ] where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
        }
    }
}
