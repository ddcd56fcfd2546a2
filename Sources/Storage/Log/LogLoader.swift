import KafkaProtocol
import Foundation
import Logging

/// Opens a partition directory (Kafka's `LogLoader`): removes leftovers of interrupted operations, opens every
/// segment, and, after an unclean shutdown, recovers every segment beyond the recovery point batch by batch,
/// truncating at the first torn or corrupt batch and dropping the segments after it. Missing or corrupt index
/// files are rebuilt from their segment in any case. Each action is logged once, with file and offset. Last, the
/// idempotent producers' state is rebuilt from the batch headers of every segment.
extension Log {
    public static func open(
        directory: String,
        topicPartition: TopicPartition,
        config: LogConfig,
        recoveryPoint: Int64,
        logStartOffset: Int64?,
        hadCleanShutdown: Bool,
        newSegmentUse: FileDescriptorBudget.Use = .loaded,
        descriptors: FileDescriptorBudget = .process,
        rebuildingIndexesOf rebuilt: Set<Int64> = [],
        logger: Logger
    ) throws -> Log {
        var logger = logger
        logger[metadataKey: "partition"] = "\(topicPartition)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let baseOffsets = try cleanDirectory(directory, logger: logger)

        var segments: [LogSegment] = []
        // `rebuilt`: segments whose indexes the caller left out on purpose (a log moved between log dirs).
        var needsRecovery = rebuilt
        // After an unclean shutdown, every segment reaching past the recovery point (the active one always) is
        // recovered, which rebuilds its indexes: checking them first would only cost a scan of a preallocated index.
        if !hadCleanShutdown {
            for (i, base) in baseOffsets.enumerated() {
                let nextBase = i + 1 < baseOffsets.count ? baseOffsets[i + 1] : Int64.max
                if nextBase > recoveryPoint || i == baseOffsets.count - 1 { needsRecovery.insert(base) }
            }
        }
        for base in baseOffsets {
            let indexPath = directory + "/" + LogFileNames.filenamePrefix(offset: base) + LogFileNames.indexSuffix
            let timeIndexPath = directory + "/" + LogFileNames.filenamePrefix(offset: base) + LogFileNames.timeIndexSuffix
            let indexesExisted = FileManager.default.fileExists(atPath: indexPath) && FileManager.default.fileExists(atPath: timeIndexPath)
            let segment = try LogSegment.open(
                directory: directory, baseOffset: base, config: config, create: false, use: .loaded,
                descriptors: descriptors)
            if needsRecovery.contains(base) {
                // Rebuilt below.
            } else if !indexesExisted {
                logger.warning("Missing index file for segment \(segment.file.path): rebuilding it")
                needsRecovery.insert(base)
            } else if let problem = segment.indexProblem() {
                logger.warning("Found a corrupted index file for segment \(segment.file.path) (\(problem)): rebuilding it")
                needsRecovery.insert(base)
            }
            segments.append(segment)
        }
        if segments.isEmpty {
            segments.append(try LogSegment.open(
                directory: directory, baseOffset: logStartOffset ?? 0, config: config, create: true, use: newSegmentUse,
                descriptors: descriptors))
        }

        var index = 0
        while index < segments.count {
            let segment = segments[index]
            if needsRecovery.contains(segment.baseOffset) {
                let (truncated, badOffset) = try segment.recover(maxBatchBytes: max(config.maxMessageBytes, 1 << 30))
                if truncated > 0 {
                    logger.warning("Recovery of \(segment.file.path) found a torn or corrupt batch at byte \(segment.sizeInBytes) (offset field \(badOffset.map(String.init) ?? "unreadable")): truncated \(truncated) bytes")
                    for doomed in segments[(index + 1)...] {
                        logger.warning("Deleting segment \(doomed.file.path): it follows a truncated segment")
                        try doomed.close()
                        try doomed.delete()
                    }
                    segments.removeSubrange((index + 1)...)
                } else if !hadCleanShutdown {
                    logger.info("Recovered unflushed segment \(segment.file.path): all batches valid")
                }
                if index < segments.count - 1 { try segment.onBecomeInactive() }
            }
            index += 1
        }

        let active = segments[segments.count - 1]
        try active.prepareForAppends(maxIndexSizeBytes: config.maxIndexSizeBytes)
        let nextOffset = try active.readNextOffset()
        let firstBase = segments[0].baseOffset
        let startOffset = min(max(logStartOffset ?? firstBase, firstBase), nextOffset)
        var state = State(
            config: config, segments: segments, nextOffset: nextOffset, logStartOffset: startOffset,
            recoveryPoint: min(max(recoveryPoint, 0), nextOffset), lastFlushMs: nowMs())
        // Snapshots above the log end describe batches that are gone (a torn tail cut by recovery).
        ProducerStateSnapshot.deleteAbove(nextOffset, directory: directory)
        let recovered = needsRecovery.intersection(segments.map(\.baseOffset))
        // A recovered segment's `.txnindex` is rebuilt from the producer state at its base, so the snapshot must
        // not lie above it; after an unclean shutdown that also keeps it at or below the recovery point. Below a
        // snapshot the leader epochs come from `leader-epoch-checkpoint`: without a readable one, no snapshot.
        let storedEpochs = try? LeaderEpochCheckpointFile(partitionDirectory: directory).read()
        let maxSnapshotOffset = storedEpochs == nil ? firstBase - 1 : min(recovered.min() ?? nextOffset, nextOffset)
        var epochs: LeaderEpochCache? = LeaderEpochCache()
        let loaded = try loadProducerState(
            segments, directory: directory, logStartOffset: startOffset, maxSnapshotOffset: maxSnapshotOffset,
            rebuildingTxnIndexOf: recovered, epochs: &epochs, logger: logger)
        state.producerState = loaded.producerState
        state.producerSnapshotLoaded = loaded.snapshotOffset
        state.producerSnapshotOnDisk = loaded.snapshotOffset
        state.batchesReplayedAtLoad = loaded.batchesReplayed
        var rebuiltEpochs = LeaderEpochCache()
        if let snapshotOffset = loaded.snapshotOffset {
            for entry in storedEpochs ?? [] where entry.startOffset < snapshotOffset && entry.startOffset >= startOffset {
                rebuiltEpochs.assign(epoch: entry.epoch, startOffset: entry.startOffset)
            }
        }
        for entry in epochs?.entries ?? [] { rebuiltEpochs.assign(epoch: entry.epoch, startOffset: entry.startOffset) }
        state.leaderEpochs = reconcileLeaderEpochs(
            rebuilt: rebuiltEpochs, directory: directory, logEndOffset: nextOffset, logger: logger)
        logger.debug(
            "Loaded log with \(segments.count) segment(s), log start offset \(startOffset), log end offset \(nextOffset), \(state.producerState.producers.count) producer(s), latest leader epoch \(state.leaderEpochs.latestEpoch.map(String.init) ?? "none")")
        let log = Log(
            topicPartition: topicPartition, directory: directory, state: state, descriptors: descriptors, logger: logger)
        if (try? LeaderEpochCheckpointFile(partitionDirectory: directory).read()) != state.leaderEpochs.entries {
            log.persistLeaderEpochs(state)
        }
        return log
    }

    /// The leader epochs, rebuilt from the batches actually on disk after recovery (so a torn tail or a truncation
    /// that the checkpoint missed cannot leave a stale epoch). The one thing batches cannot show is an epoch that
    /// began at the log end without a batch yet (a leader that has not been written to): that entry is kept from
    /// `leader-epoch-checkpoint`.
    private static func reconcileLeaderEpochs(
        rebuilt: LeaderEpochCache, directory: String, logEndOffset: Int64, logger: Logger
    ) -> LeaderEpochCache {
        var cache = rebuilt
        let stored: [EpochEntry]?
        do {
            stored = try LeaderEpochCheckpointFile(partitionDirectory: directory).read()
        } catch {
            logger.warning("Ignoring unreadable \(LeaderEpochCheckpointFile.fileName): \(error); rebuilt it from the log")
            stored = nil
        }
        if let last = stored?.last, last.startOffset == logEndOffset, last.epoch > (cache.latestEpoch ?? -1) {
            cache.assign(epoch: last.epoch, startOffset: last.startOffset)
        }
        return cache
    }

    /// Deletes files left by interrupted deletions and index files without a segment; returns the segments'
    /// base offsets in order.
    private static func cleanDirectory(_ directory: String, logger: Logger) throws -> [Int64] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        var logs: Set<Int64> = []
        for name in names where name.hasSuffix(LogFileNames.logSuffix) {
            if let base = LogFileNames.offset(fromFileName: name) { logs.insert(base) }
        }
        for name in names {
            let path = directory + "/" + name
            let leftover = [LogFileNames.deletedSuffix, LogFileNames.cleanedSuffix, LogFileNames.swapSuffix, ".tmp"].contains { name.hasSuffix($0) }
            let orphanIndex = (name.hasSuffix(LogFileNames.indexSuffix) || name.hasSuffix(LogFileNames.timeIndexSuffix)
                || name.hasSuffix(LogFileNames.txnIndexSuffix))
                && LogFileNames.offset(fromFileName: name).map { !logs.contains($0) } ?? false
            if leftover || orphanIndex {
                logger.info("Deleting leftover file \(path)")
                try FileManager.default.removeItem(atPath: path)
            }
        }
        return logs.sorted()
    }
}
