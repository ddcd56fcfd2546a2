import KafkaProtocol
import Storage

extension BrokerConfig {
    /// The broker-wide defaults of every partition log, from the `log.*` keys with Kafka's precedence rules
    /// (`log.retention.ms` over `.minutes` over `.hours`, `log.roll.ms` over `.hours`, `log.flush.interval.ms`
    /// defaulting to `log.flush.scheduler.interval.ms`).
    public var logConfig: LogConfig {
        var config = LogConfig()
        config.segmentBytes = Int(int("log.segment.bytes"))
        config.segmentMs = longIfSet("log.roll.ms") ?? Int64(int("log.roll.hours")) * 3_600_000
        config.maxIndexSizeBytes = Int(int("log.index.size.max.bytes"))
        config.indexIntervalBytes = Int(int("log.index.interval.bytes"))
        config.retentionMs = retentionMs
        config.retentionBytes = long("log.retention.bytes")
        config.flushIntervalMessages = long("log.flush.interval.messages")
        config.flushMs = longIfSet("log.flush.interval.ms") ?? long("log.flush.scheduler.interval.ms")
        config.maxMessageBytes = Int(int("message.max.bytes"))
        config.timestampType = string("log.message.timestamp.type") == "LogAppendTime" ? .logAppendTime : .createTime
        return config
    }

    /// Kafka's rule: -1 (any negative value) keeps data forever.
    var retentionMs: Int64 {
        let ms = longIfSet("log.retention.ms")
            ?? intIfSet("log.retention.minutes").map { Int64($0) * 60_000 }
            ?? Int64(int("log.retention.hours")) * 3_600_000
        return ms < 0 ? -1 : ms
    }

    /// How the log manager runs: directories, schedulers and recovery parallelism.
    public var logManagerConfiguration: LogManager.Configuration {
        var configuration = LogManager.Configuration(logDirs: logDirs, defaultConfig: logConfig)
        configuration.retentionCheckIntervalMs = long("log.retention.check.interval.ms")
        configuration.flushCheckIntervalMs = long("log.flush.scheduler.interval.ms")
        configuration.recoveryPointCheckpointIntervalMs = Int64(int("log.flush.offset.checkpoint.interval.ms"))
        configuration.logStartOffsetCheckpointIntervalMs = Int64(int("log.flush.start.offset.checkpoint.interval.ms"))
        configuration.recoveryThreadsPerDataDir = Int(int("num.recovery.threads.per.data.dir"))
        return configuration
    }
}
