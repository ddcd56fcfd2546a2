import KafkaProtocol

/// The settings of one partition log (Kafka's `LogConfig`): the broker's `log.*` defaults, later overridden per
/// topic from `/config/topics/<t>`. Times are milliseconds; a negative retention means "keep forever".
public struct LogConfig: Sendable, Hashable {
    /// `log.segment.bytes` / `segment.bytes`
    public var segmentBytes: Int = 1 << 30
    /// `log.roll.ms` (or `log.roll.hours`) / `segment.ms`
    public var segmentMs: Int64 = 7 * 24 * 3_600_000
    /// `log.index.size.max.bytes` / `segment.index.bytes`
    public var maxIndexSizeBytes: Int = 10 * 1024 * 1024
    /// `log.index.interval.bytes` / `index.interval.bytes`
    public var indexIntervalBytes: Int = 4096
    /// `log.retention.ms` (or minutes/hours) / `retention.ms`
    public var retentionMs: Int64 = 7 * 24 * 3_600_000
    /// `log.retention.bytes` / `retention.bytes`
    public var retentionBytes: Int64 = -1
    /// `log.flush.interval.messages` / `flush.messages`
    public var flushIntervalMessages: Int64 = .max
    /// `log.flush.interval.ms` / `flush.ms`
    public var flushMs: Int64 = .max
    /// `message.max.bytes` / `max.message.bytes`: the largest record batch accepted.
    public var maxMessageBytes: Int = 1_048_588
    /// `log.message.timestamp.type` / `message.timestamp.type`
    public var timestampType: TimestampType = .createTime

    public init() {}
}
