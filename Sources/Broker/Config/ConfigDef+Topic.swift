/// Topic-level configs (`/config/topics/<t>`, CreateTopics `configs`) with Kafka's types and validators
/// (`LogConfig.configDef`); defaults come from the broker's `log.*` keys (`TopicConfigKeys.brokerDefaults`).
extension ConfigDef {
    static let topic = ConfigDef([
        ConfigKey("cleanup.policy", .list, .none, .eachOneOf(["compact", "delete"]), doc: "What happens to old segments."),
        ConfigKey("compression.type", .string, .none, .oneOf(["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
                  doc: "Compression of stored batches."),
        ConfigKey("follower.replication.throttled.replicas", .list, .value(""), .throttledReplicaList,
                  doc: "Replicas (partition:broker, or *) whose catching-up fetches the follower throttle limits."),
        ConfigKey("flush.messages", .long, .none, .atLeast(1), doc: "Messages appended before the log is fsynced."),
        ConfigKey("flush.ms", .long, .none, .atLeast(0), doc: "Age of unflushed data before the log is fsynced."),
        ConfigKey("index.interval.bytes", .int, .none, .atLeast(0), doc: "Bytes between two offset index entries."),
        ConfigKey("leader.replication.throttled.replicas", .list, .value(""), .throttledReplicaList,
                  doc: "Replicas (partition:broker, or *) whose leaders throttle what they send to catching-up followers."),
        ConfigKey("max.message.bytes", .int, .none, .atLeast(0), doc: "Largest record batch accepted."),
        ConfigKey("message.timestamp.type", .string, .none, .oneOf(["CreateTime", "LogAppendTime"]),
                  doc: "Whether record timestamps are the producer's or the broker's append time."),
        ConfigKey("min.insync.replicas", .int, .none, .atLeast(1), doc: "In-sync replicas an acks=all produce needs."),
        ConfigKey("retention.bytes", .long, .none, doc: "Largest size of a partition's log; -1 is unbounded."),
        ConfigKey("retention.ms", .long, .none, .atLeast(-1), doc: "Log retention; -1 keeps data forever."),
        // An int, as in Kafka: segment positions are 32-bit in the index files.
        ConfigKey("segment.bytes", .int, .none, .atLeast(14), doc: "Size at which a segment rolls."),
        // At least one time index entry (12 bytes): a smaller index could not be created at all.
        ConfigKey("segment.index.bytes", .int, .none, .atLeast(12), doc: "Largest offset or time index file."),
        ConfigKey("segment.ms", .long, .none, .atLeast(1), doc: "Age at which a segment rolls."),
        ConfigKey("unclean.leader.election.enable", .boolean, .none,
                  doc: "Whether a replica outside the ISR may become leader when no ISR member lives."),
    ])
}
