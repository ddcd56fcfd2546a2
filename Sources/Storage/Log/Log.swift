import KafkaProtocol
import Foundation
import Logging
import Synchronization

/// One partition's log (Kafka's `Log`): a directory `<topic>-<partition>` of segments with contiguous offsets.
///
/// Appends, rolls, truncation and retention take `state`'s lock, so the log is written from one place at a time;
/// reads take a snapshot of the segment list under the same lock and then read files without it, so fetches run
/// concurrently with appends. Offsets only grow; the invariants are asserted where they must hold:
/// `logStartOffset <= logEndOffset`, `recoveryPoint <= logEndOffset`, segments sorted by base offset with the
/// active segment last.
public final class Log: Sendable {
    public let topicPartition: TopicPartition
    /// The partition directory, which changes only when AlterReplicaLogDirs moves the log to another log dir. Its
    /// own lock, so that code holding `state`'s lock may read it (order: `state`, then this).
    public var directory: String { directoryPath.withLock { $0 } }
    let directoryPath: Mutex<String>
    let logger: Logger

    struct State {
        var config: LogConfig
        var segments: [LogSegment]
        var nextOffset: Int64
        var logStartOffset: Int64
        var recoveryPoint: Int64
        var unflushedMessages: Int64 = 0
        var lastFlushMs: Int64
        var closed = false
        /// Producers' epochs, last batches and transactions, checked before the leader assigns offsets.
        var producerState = ProducerStateManager()
        /// The snapshot offset the producer state was loaded from at open (nil: a full replay), and how many batch
        /// headers were replayed after it: what tests check to see that a restart did not rescan the log.
        var producerSnapshotLoaded: Int64?
        /// The offset of a producer snapshot on disk that holds the current producer state: loaded at open or
        /// written at close. Close writes none when the log end has not moved since (Kafka's `takeSnapshot`, which
        /// skips unless `lastMapOffset > lastSnapOffset`), so a broker stopping with idle logs writes no file for them.
        var producerSnapshotOnDisk: Int64?
        var batchesReplayedAtLoad = 0
        /// Where each leader epoch starts in this log (KIP-101), kept with every append, truncation and retention.
        var leaderEpochs = LeaderEpochCache()
        /// An epoch start was assigned at the log end since `leader-epoch-checkpoint` was last written.
        var leaderEpochsUnwritten = false
        /// Counts truncations, which may rewrite bytes a segment already had: a log move copying segments outside
        /// the lock trusts its copies only when this has not changed meanwhile.
        var truncations = 0

        var activeSegment: LogSegment { segments[segments.count - 1] }
        var sizeInBytes: Int { segments.reduce(0) { $0 + $1.sizeInBytes } }

        func checkInvariants() {
            assert(!segments.isEmpty, "a log always has an active segment")
            assert(logStartOffset <= nextOffset, "log start offset \(logStartOffset) > log end offset \(nextOffset)")
            assert(recoveryPoint <= nextOffset, "recovery point \(recoveryPoint) > log end offset \(nextOffset)")
            assert(zip(segments, segments.dropFirst()).allSatisfy { $0.baseOffset < $1.baseOffset })
        }
    }

    let state: Mutex<State>
    /// Where the descriptors of new segment files come from.
    let descriptors: FileDescriptorBudget

    init(
        topicPartition: TopicPartition, directory: String, state: State, descriptors: FileDescriptorBudget,
        logger: Logger
    ) {
        self.topicPartition = topicPartition
        self.directoryPath = Mutex(directory)
        self.descriptors = descriptors
        var logger = logger
        logger[metadataKey: "partition"] = "\(topicPartition)"
        self.logger = logger
        state.checkInvariants()
        self.state = Mutex(state)
    }

    public var logEndOffset: Int64 { state.withLock { $0.nextOffset } }
    public var logStartOffset: Int64 { state.withLock { $0.logStartOffset } }
    public var recoveryPoint: Int64 { state.withLock { $0.recoveryPoint } }
    public var config: LogConfig { state.withLock { $0.config } }
    public var numberOfSegments: Int { state.withLock { $0.segments.count } }
    public var sizeInBytes: Int { state.withLock { $0.sizeInBytes } }
    /// What the log's gauges report, under one lock: a scrape reads it for every partition.
    public var summary: LogSummary {
        state.withLock { state in
            LogSummary(
                logStartOffset: state.logStartOffset, logEndOffset: state.nextOffset, numberOfSegments: state.segments.count,
                sizeInBytes: state.sizeInBytes)
        }
    }
    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { state.withLock { $0.segments.map(\.baseOffset) } }
    /// The leader epochs of this log and where each starts, oldest first.
    public var leaderEpochEntries: [EpochEntry] { state.withLock { $0.leaderEpochs.entries } }
    /// The epoch of the last batch (or of the leadership that began at the log end); nil for an empty cache.
    public var latestEpoch: Int32? { state.withLock { $0.leaderEpochs.latestEpoch } }
    /// What the log knows of each idempotent producer with batches in it, by producer id.
    public var producers: [Int64: ProducerStateEntry] { state.withLock { $0.producerState.producers } }

    public func updateConfig(_ config: LogConfig) {
        state.withLock { $0.config = config }
    }

    /// Flushes everything up to the log end, writes the producer snapshot at the log end unless one is there
    /// already or the log is empty from 0 (so the next open replays nothing), then closes every segment (indexes
    /// trimmed to their used size).
    public func close() throws {
        try flush()
        try state.withLock { state in
            guard !state.closed else { return }
            // An empty log from offset 0 needs none either: there is nothing to replay (Kafka's state starts with both
            // offsets at 0).
            let unchanged = state.nextOffset == 0 || state.producerSnapshotOnDisk == state.nextOffset
            if !unchanged, writeProducerSnapshot(state, durable: true) {
                state.producerSnapshotOnDisk = state.nextOffset
            }
            state.closed = true
            for segment in state.segments { try segment.close() }
        }
    }

    /// Closes and removes the whole directory (topic deletion).
    public func delete() throws {
        try state.withLock { state in
            state.closed = true
            for segment in state.segments {
                try segment.close()
                try segment.delete()
            }
            state.segments.removeAll(keepingCapacity: false)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    public static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// A log's offsets and sizes read together (`Log.summary`).
public struct LogSummary: Sendable, Equatable {
    public var logStartOffset: Int64
    public var logEndOffset: Int64
    public var numberOfSegments: Int
    public var sizeInBytes: Int
}
