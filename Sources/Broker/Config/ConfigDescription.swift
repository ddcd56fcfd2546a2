/// DescribeConfigs resource types and config sources (Kafka's `ConfigResource.Type`, `ConfigSource` ids).
enum ConfigResourceType {
    static let topic: Int8 = 2
    static let broker: Int8 = 4
    static let brokerLogger: Int8 = 8
}

enum ConfigSource {
    static let dynamicTopic: Int8 = 1
    static let dynamicBroker: Int8 = 2
    static let dynamicDefaultBroker: Int8 = 3
    static let staticBroker: Int8 = 4
    static let `default`: Int8 = 5
}

/// One config as DescribeConfigs reports it: its value in force, where that comes from, and every level that sets
/// it (synonyms, highest precedence first).
struct DescribedConfig: Sendable, Equatable {
    struct Synonym: Sendable, Equatable {
        var name: String
        var value: String?
        var source: Int8
    }

    var name: String
    var value: String?
    var source: Int8
    var readOnly: Bool
    var sensitive: Bool
    var synonyms: [Synonym]
}

/// The layers of the broker's configuration, for Kafka 2.8's `ConfigHelper.describeConfigs`: this broker's dynamic
/// configs, the cluster-wide dynamic defaults, `server.properties`, and the defaults; and the configuration they give.
struct BrokerConfigLayers: Sendable {
    var perBroker: [String: String]
    var clusterDefault: [String: String]
    var staticProps: [String: String]
    var current: BrokerConfig

    init(_ dynamic: DynamicBrokerConfig) {
        perBroker = dynamic.perBrokerConfigs
        clusterDefault = dynamic.clusterDefaultConfigs
        staticProps = dynamic.staticConfig.originals
        current = dynamic.current
    }

    /// Kafka's static defaults: every key with a default, keys whose default is no value included (as null).
    static let defaults: [String: String?] = Dictionary(uniqueKeysWithValues: ConfigDef.broker.keys.compactMap { key in
        switch key.defaultValue {
        case .value(let text): (key.name, Optional(text))
        case .none: (key.name, nil)
        case .required: nil
        }
    })

    /// Kafka's `configSynonyms`: each layer's value of each synonym, layer by layer, from `name` on.
    func synonyms(of name: String, sensitive: Bool) -> [DescribedConfig.Synonym] {
        let names = DynamicBrokerConfigKeys.synonyms(name)
        var found: [DescribedConfig.Synonym] = []
        let layers: [([String: String?], Int8)] = [
            (perBroker, ConfigSource.dynamicBroker), (clusterDefault, ConfigSource.dynamicDefaultBroker),
            (staticProps, ConfigSource.staticBroker), (Self.defaults, ConfigSource.default),
        ]
        for (layer, source) in layers {
            for synonym in names {
                if let value = layer[synonym] { found.append(.init(name: synonym, value: sensitive ? nil : value, source: source)) }
            }
        }
        return Array(found.drop { $0.name != name })
    }

    /// A broker resource (Kafka's `createBrokerConfigEntry`): every key for a broker id, only the dynamic defaults
    /// for the cluster-wide resource (whose synonyms leave out per-broker values).
    func brokerEntries(perBroker: Bool) -> [DescribedConfig] {
        let names = perBroker ? ConfigDef.broker.keys.map(\.name).sorted() : clusterDefault.keys.sorted()
        return names.map { name in
            let sensitive = ConfigDef.broker[name]?.type == .password
            var synonyms = synonyms(of: name, sensitive: sensitive)
            if !perBroker { synonyms.removeAll { $0.source == ConfigSource.dynamicBroker } }
            let value = perBroker ? current.values[name]?.text : clusterDefault[name]
            return DescribedConfig(
                name: name, value: sensitive ? nil : value, source: synonyms.first?.source ?? ConfigSource.default,
                readOnly: !DynamicBrokerConfigKeys.synonyms(name).contains(where: DynamicBrokerConfigKeys.kafkaDynamic.contains),
                sensitive: sensitive, synonyms: synonyms)
        }
    }

    /// A topic (Kafka's `createTopicConfigEntry`): every topic key with its override, else the broker's value in
    /// force; the override (TOPIC_CONFIG) comes first among the synonyms, then the broker key's.
    func topicEntries(overrides: [String: String]) -> [DescribedConfig] {
        var keys: [(topic: String, broker: String?)] = TopicConfigKeys.brokerDefaults.map { ($0.topic, $0.broker) }
        keys += TopicConfigKeys.withoutBrokerDefault.map { ($0, nil) }
        return keys.sorted { $0.topic < $1.topic }.map { topicKey, brokerKey in
            var synonyms: [DescribedConfig.Synonym] = []
            var value: String? = ""
            if let brokerKey {
                synonyms = self.synonyms(of: brokerKey, sensitive: false)
                value = topicDefault(topicKey, brokerKey: brokerKey)
            }
            if let override = overrides[topicKey] {
                value = override
                synonyms.insert(.init(name: topicKey, value: override, source: ConfigSource.dynamicTopic), at: 0)
            }
            return DescribedConfig(
                name: topicKey, value: value, source: synonyms.first?.source ?? ConfigSource.default, readOnly: false,
                sensitive: false, synonyms: synonyms)
        }
    }

    /// The broker's value for a topic key; Kafka derives three of them from other keys when they are not set.
    private func topicDefault(_ topicKey: String, brokerKey: String) -> String? {
        switch topicKey {
        case "retention.ms": String(current.logConfig.retentionMs)
        case "segment.ms": String(current.logConfig.segmentMs)
        case "flush.ms": String(current.logConfig.flushMs)
        default: current.values[brokerKey]?.text
        }
    }
}
