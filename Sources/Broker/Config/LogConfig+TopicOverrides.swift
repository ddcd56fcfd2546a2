import Foundation
import Storage

/// Topic-level configs (`/config/topics/<t>`, CreateTopics `configs`): Kafka's topic key names and which broker
/// `log.*` default each overrides. DescribeConfigs lists them; CreateTopics rejects unknown keys.
enum TopicConfigKeys {
    /// Topic key -> broker key that supplies its default.
    static let brokerDefaults: [(topic: String, broker: String)] = [
        ("cleanup.policy", "log.cleanup.policy"),
        ("compression.type", "compression.type"),
        ("flush.messages", "log.flush.interval.messages"),
        ("flush.ms", "log.flush.interval.ms"),
        ("index.interval.bytes", "log.index.interval.bytes"),
        ("max.message.bytes", "message.max.bytes"),
        ("message.timestamp.type", "log.message.timestamp.type"),
        ("min.insync.replicas", "min.insync.replicas"),
        ("retention.bytes", "log.retention.bytes"),
        ("retention.ms", "log.retention.ms"),
        ("segment.bytes", "log.segment.bytes"),
        ("segment.index.bytes", "log.index.size.max.bytes"),
        ("segment.ms", "log.roll.ms"),
        ("unclean.leader.election.enable", "unclean.leader.election.enable"),
    ]

    static let names: Set<String> = Set(brokerDefaults.map(\.topic))

    /// The overrides as typed values, or the first that Kafka's validators (or Gregor, for what it does not
    /// implement) refuse: an unknown key, a value of the wrong type or out of range, `cleanup.policy=compact`.
    static func validate(_ overrides: [String: String]) throws(ConfigError) -> [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        for name in overrides.keys.sorted() {
            let text = overrides[name] ?? ""
            guard let key = ConfigDef.topic[name] else {
                throw .invalidValue(key: name, value: text, reason: "unknown topic config")
            }
            let value = try key.parse(text)
            if name == "cleanup.policy", value.list?.contains("compact") == true {
                throw .invalidValue(key: name, value: text, reason: "Gregor does not compact logs; only delete is supported")
            }
            values[name] = value
        }
        return values
    }
}

extension LogConfig {
    /// These defaults with a topic's overrides applied, after `TopicConfigKeys.validate`: a value it refuses is
    /// thrown, never replaced by the default.
    func applying(topicOverrides overrides: [String: String]) throws(ConfigError) -> LogConfig {
        let values = try TopicConfigKeys.validate(overrides)
        var config = self
        func number(_ key: String) -> Int64? { values[key]?.number }
        if let value = number("segment.bytes") { config.segmentBytes = Int(value) }
        if let value = number("segment.ms") { config.segmentMs = value }
        if let value = number("segment.index.bytes") { config.maxIndexSizeBytes = Int(value) }
        if let value = number("index.interval.bytes") { config.indexIntervalBytes = Int(value) }
        if let value = number("retention.ms") { config.retentionMs = value }
        if let value = number("retention.bytes") { config.retentionBytes = value }
        if let value = number("flush.messages") { config.flushIntervalMessages = value }
        if let value = number("flush.ms") { config.flushMs = value }
        if let value = number("max.message.bytes") { config.maxMessageBytes = Int(value) }
        switch values["message.timestamp.type"]?.string {
        case "LogAppendTime": config.timestampType = .logAppendTime
        case "CreateTime": config.timestampType = .createTime
        default: break
        }
        return config
    }
}
