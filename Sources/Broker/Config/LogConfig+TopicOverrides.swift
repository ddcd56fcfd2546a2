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

    /// Topic keys no broker key stands behind: their default is the topic key's own (Kafka's replication throttles).
    static let withoutBrokerDefault = [ThrottledReplicaList.followerKey, ThrottledReplicaList.leaderKey]

    static let names: Set<String> = Set(brokerDefaults.map(\.topic) + withoutBrokerDefault)

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

extension TopicConfigKeys {
    /// Kafka's `LogConfig.validate` as AlterConfigs and IncrementalAlterConfigs apply it to a topic's new overrides:
    /// names first (INVALID_CONFIG "Unknown topic config name: x"), then each value, refused with Kafka's
    /// `ConfigException` message; `cleanup.policy=compact` is refused the same way (Gregor does not compact).
    static func validateLikeKafka(_ overrides: [String: String]) throws(ConfigAlterError) {
        let names = overrides.keys.sorted()
        if let unknown = names.first(where: { ConfigDef.topic[$0] == nil }) {
            throw .invalidConfig("Unknown topic config name: \(unknown)")
        }
        for name in names {
            try checkValue(ConfigDef.topic[name]!, overrides[name] ?? "")
        }
    }

    /// One value with Kafka's message; list configs of the cleanup policy must not ask for compaction.
    static func checkValue(_ key: ConfigKey, _ text: String) throws(ConfigAlterError) {
        let value: ConfigValue
        do {
            value = try key.parseLikeKafka(text)
        } catch {
            throw .config(error)
        }
        if key.name.hasSuffix("cleanup.policy"), value.list?.contains("compact") == true {
            throw .config(KafkaConfigException(
                name: key.name, value: text, reason: "Gregor does not compact logs; only delete is supported"))
        }
    }

    /// Whether a topic key is a list config (IncrementalAlterConfigs APPEND and SUBTRACT).
    static func isList(_ name: String) throws(ConfigAlterError) -> Bool {
        guard let key = ConfigDef.topic[name] else { throw .invalidConfig("Unknown topic config name: \(name)") }
        return key.type == .list
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
