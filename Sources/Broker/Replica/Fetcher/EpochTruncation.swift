/// Where a follower truncates its log, given its leader's answer to OffsetForLeaderEpoch (KIP-101, with KIP-279's
/// rounds for epochs the follower does not know): Kafka's `AbstractFetcherThread.getOffsetTruncationState`, as a
/// pure function. The result never lies above the follower's log end, and never below the end of the last epoch
/// both logs share, so only records the leader does not have are removed.
struct EpochTruncation: Sendable, Hashable {
    /// Truncate the log to end here (a no-op when it already ends there or before).
    var offset: Int64
    /// False: the follower did not know the leader's epoch; after truncating it asks again with its new latest epoch.
    var completed: Bool

    /// - Parameters:
    ///   - leaderEpoch: the epoch the leader answered with, -1 when it did not say (OffsetForLeaderEpoch v0).
    ///   - leaderEndOffset: where that epoch ends in the leader's log; -1 when the leader could not tell (its log
    ///     has no epochs): then nothing is truncated here, and a fetch past the leader's end is resolved as an
    ///     out-of-range offset.
    ///   - localEndOffset: the follower's own `Log.endOffset(forEpoch:)`.
    ///   - logEndOffset: the follower's log end.
    static func decide(
        leaderEpoch: Int32, leaderEndOffset: Int64, logEndOffset: Int64,
        localEndOffset: (Int32) -> (epoch: Int32, endOffset: Int64)?
    ) -> EpochTruncation {
        if leaderEndOffset < 0 { return EpochTruncation(offset: logEndOffset, completed: true) }
        if leaderEpoch < 0 { return EpochTruncation(offset: min(leaderEndOffset, logEndOffset), completed: true) }
        guard let local = localEndOffset(leaderEpoch) else {
            // The leader's epoch is older than any this log tracks: its end offset is all there is to go by.
            return EpochTruncation(offset: min(leaderEndOffset, logEndOffset), completed: true)
        }
        if local.epoch != leaderEpoch {
            // This log never had the leader's epoch: cut to the end of the largest epoch below it and ask again.
            return EpochTruncation(offset: min(local.endOffset, logEndOffset), completed: false)
        }
        return EpochTruncation(offset: min(local.endOffset, leaderEndOffset, logEndOffset), completed: true)
    }
}
