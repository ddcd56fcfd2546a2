/// One leader epoch and the first offset written in it (Kafka's `EpochEntry`).
public struct EpochEntry: Sendable, Hashable, CustomStringConvertible {
    public var epoch: Int32
    public var startOffset: Int64

    public init(epoch: Int32, startOffset: Int64) {
        self.epoch = epoch
        self.startOffset = startOffset
    }

    public var description: String { "EpochEntry(epoch=\(epoch), startOffset=\(startOffset))" }
}

/// Where each leader epoch of a partition's log starts (Kafka's `LeaderEpochFileCache`, KIP-101): the sequence of
/// (epoch, start offset) pairs, both strictly increasing. It answers "where does epoch E end?" so that a follower
/// truncates only what its leader does not have (KIP-279), never to its high watermark.
///
/// A pure value: the log keeps it under its lock and writes `leader-epoch-checkpoint` when it changes.
public struct LeaderEpochCache: Sendable, Hashable {
    public private(set) var entries: [EpochEntry]

    /// Entries in any order; those breaking monotonicity are dropped as `assign` would drop them.
    public init(_ entries: [EpochEntry] = []) {
        self.entries = []
        for entry in entries { assign(epoch: entry.epoch, startOffset: entry.startOffset) }
    }

    public var latestEpoch: Int32? { entries.last?.epoch }

    /// Records that `epoch` starts at `startOffset` (Kafka's `assign`), called for every appended batch and when a
    /// replica becomes leader. Nothing changes for the latest epoch at a later offset. Entries the new one makes
    /// non-monotonic (an epoch not below it, or a start not below it) are removed first. Negative values (batches
    /// written without a leader epoch) are ignored. Returns whether the cache changed.
    @discardableResult
    public mutating func assign(epoch: Int32, startOffset: Int64) -> Bool {
        guard epoch >= 0, startOffset >= 0 else { return false }
        if let last = entries.last, last.epoch == epoch, last.startOffset <= startOffset { return false }
        while let last = entries.last, last.epoch >= epoch || last.startOffset >= startOffset {
            entries.removeLast()
        }
        entries.append(EpochEntry(epoch: epoch, startOffset: startOffset))
        return true
    }

    /// The log was truncated to end at `endOffset` (Kafka's `truncateFromEnd`): epochs starting at or after it go.
    @discardableResult
    public mutating func truncateFromEnd(endOffset: Int64) -> Bool {
        guard endOffset >= 0 else { return false }
        let before = entries.count
        while let last = entries.last, last.startOffset >= endOffset { entries.removeLast() }
        return entries.count != before
    }

    /// The log now starts at `startOffset` (retention, DeleteRecords; Kafka's `truncateFromStart`): epochs that
    /// started at or before it collapse into one entry for the last of them, starting at `startOffset`.
    @discardableResult
    public mutating func truncateFromStart(startOffset: Int64) -> Bool {
        guard let lastCovered = entries.lastIndex(where: { $0.startOffset <= startOffset }) else { return false }
        let kept = EpochEntry(epoch: entries[lastCovered].epoch, startOffset: startOffset)
        guard lastCovered > 0 || entries[0] != kept else { return false }
        entries.replaceSubrange(0...lastCovered, with: [kept])
        return true
    }

    public mutating func clear() { entries.removeAll() }

    /// Kafka's `endOffsetFor(requestedEpoch, logEndOffset)`: the largest epoch not above `requestedEpoch` and the
    /// offset where it ends (the start of the next epoch, or the log end for the latest epoch). Nil (Kafka's
    /// UNDEFINED_EPOCH_OFFSET) when the epoch is undefined (-1) or above every known epoch, or the cache is empty.
    /// An epoch below every known one answers with itself and the start of the first epoch: what came before is
    /// gone from this log.
    public func endOffset(for requestedEpoch: Int32, logEndOffset: Int64) -> (epoch: Int32, endOffset: Int64)? {
        guard requestedEpoch >= 0, let latest = entries.last else { return nil }
        if latest.epoch == requestedEpoch { return (requestedEpoch, logEndOffset) }
        guard let higher = entries.firstIndex(where: { $0.epoch > requestedEpoch }) else { return nil }
        if higher == 0 { return (requestedEpoch, entries[0].startOffset) }
        return (entries[higher - 1].epoch, entries[higher].startOffset)
    }
}
