/// A consumer group's committed position in one partition (Kafka's `OffsetAndMetadata`): the offset the group
/// resumes from, plus what the commit carried with it.
public struct OffsetAndMetadata: Sendable, Hashable, CustomStringConvertible {
    /// "No leader epoch", as Kafka's `RecordBatch.NO_PARTITION_LEADER_EPOCH`.
    public static let noLeaderEpoch: Int32 = -1

    public var offset: Int64
    /// The leader epoch of the record at `offset - 1` as the consumer saw it, or `noLeaderEpoch`.
    public var leaderEpoch: Int32
    /// The client's free-form commit metadata (empty when it sent none or null).
    public var metadata: String
    public var commitTimestampMs: Int64
    /// When the offset may be expired (OffsetCommit v1's retention); nil leaves it to the broker's retention.
    public var expireTimestampMs: Int64?

    public init(
        offset: Int64, leaderEpoch: Int32 = noLeaderEpoch, metadata: String = "", commitTimestampMs: Int64,
        expireTimestampMs: Int64? = nil
    ) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestampMs = commitTimestampMs
        self.expireTimestampMs = expireTimestampMs
    }

    public var description: String {
        "OffsetAndMetadata(offset=\(offset), leaderEpoch=\(leaderEpoch), metadata=\(metadata), "
            + "commitTimestamp=\(commitTimestampMs), expireTimestamp=\(expireTimestampMs.map(String.init) ?? "None"))"
    }
}
