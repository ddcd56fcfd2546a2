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

    /// Keys whose values are numbers.
    static let numeric: Set<String> = [
        "flush.messages", "flush.ms", "index.interval.bytes", "max.message.bytes", "min.insync.replicas",
        "retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes", "segment.ms",
    ]
}

extension LogConfig {
    /// These defaults with a topic's overrides applied; values that do not parse keep the default (CreateTopics
    /// validates them before they reach ZooKeeper).
    func applying(topicOverrides overrides: [String: String]) -> LogConfig {
        var config = self
        func long(_ key: String) -> Int64? { overrides[key].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) } }
        if let value = long("segment.bytes") { config.segmentBytes = Int(value) }
        if let value = long("segment.ms") { config.segmentMs = value }
        if let value = long("segment.index.bytes") { config.maxIndexSizeBytes = Int(value) }
        if let value = long("index.interval.bytes") { config.indexIntervalBytes = Int(value) }
        if let value = long("retention.ms") { config.retentionMs = value < 0 ? -1 : value }
        if let value = long("retention.bytes") { config.retentionBytes = value }
        if let value = long("flush.messages") { config.flushIntervalMessages = value }
        if let value = long("flush.ms") { config.flushMs = value }
        if let value = long("max.message.bytes") { config.maxMessageBytes = Int(value) }
        switch overrides["message.timestamp.type"] {
        case "LogAppendTime": config.timestampType = .logAppendTime
        case "CreateTime": config.timestampType = .createTime
        default: break
        }
        return config
    }
}
