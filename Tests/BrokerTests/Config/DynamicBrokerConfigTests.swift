import Logging
import Testing

@testable import Broker

/// Dynamic broker configs: which keys, in which precedence, and what DescribeConfigs reports about them.
@Suite struct DynamicBrokerConfigTests {
    static let staticProps = [
        "zookeeper.connect": "127.0.0.1:2181", "broker.id": "0", "log.retention.hours": "24",
        "log.segment.bytes": "1048576",
    ]

    func dynamic() throws -> DynamicBrokerConfig {
        DynamicBrokerConfig(staticConfig: try BrokerConfig(properties: Self.staticProps, localHostName: "h"))
    }

    @Test func onlyKeysGregorAppliesAtRuntimeAreDynamic() {
        #expect(throws: ConfigAlterError.configException("Cannot update these configs dynamically: Set(log.dirs, zookeeper.connect)")) {
            try DynamicBrokerConfigKeys.validate(["zookeeper.connect": "x", "log.dirs": "/tmp", "log.retention.ms": "5"])
        }
        #expect(throws: ConfigAlterError.configException("Cannot update these configs dynamically: Set(unclean.leader.election.enable)")) {
            try DynamicBrokerConfigKeys.validate(["unclean.leader.election.enable": "true"])
        }
        #expect(throws: ConfigAlterError.configException("Invalid value -1 for configuration max.connections: Value must be at least 0")) {
            try DynamicBrokerConfigKeys.validate(["max.connections": "-1"])
        }
        #expect(throws: ConfigAlterError.configException("Invalid value x for configuration log.segment.bytes: Not a number of type INT")) {
            try DynamicBrokerConfigKeys.validate(["log.segment.bytes": "x"])
        }
        #expect(throws: Never.self) { try DynamicBrokerConfigKeys.validate(["log.retention.ms": "5", "max.connections": "10"]) }
    }

    @Test func perBrokerWinsOverClusterDefaultWinsOverStaticAndSynonymsGiveWay() throws {
        let merged = DynamicBrokerConfigKeys.merged(
            static: Self.staticProps, clusterDefault: ["log.retention.ms": "1000", "log.segment.bytes": "2048"],
            perBroker: ["log.segment.bytes": "4096"])
        #expect(merged["log.retention.hours"] == nil)  // a dynamic log.retention.ms replaces its static synonym
        #expect(merged["log.retention.ms"] == "1000")
        #expect(merged["log.segment.bytes"] == "4096")
    }

    @Test func updatesChangeTheConfigurationInForce() throws {
        let config = try dynamic()
        let logger = Logger(label: "test")
        #expect(config.current.logConfig.retentionMs == 24 * 3_600_000)
        let afterDefault = try #require(config.update(perBroker: false, persisted: ["log.retention.ms": "1000"], logger: logger))
        #expect(afterDefault.logConfig.retentionMs == 1000)
        let afterBroker = try #require(config.update(
            perBroker: true, persisted: ["log.retention.ms": "2000", "zookeeper.connect": "elsewhere"], logger: logger))
        #expect(afterBroker.logConfig.retentionMs == 2000)
        #expect(afterBroker.zookeeperConnect == "127.0.0.1:2181")  // not dynamic: ignored
        #expect(config.update(perBroker: true, persisted: ["log.retention.ms": "2000"], logger: logger) == nil)
        #expect(config.update(perBroker: true, persisted: [:], logger: logger)?.logConfig.retentionMs == 1000)
    }

    @Test func describeReportsSourcesAndSynonymsInKafkasOrder() throws {
        let config = try dynamic()
        _ = config.update(perBroker: false, persisted: ["log.segment.bytes": "2048"], logger: Logger(label: "test"))
        _ = config.update(perBroker: true, persisted: ["log.segment.bytes": "4096"], logger: Logger(label: "test"))
        let layers = BrokerConfigLayers(config)
        let segment = try #require(layers.brokerEntries(perBroker: true).first { $0.name == "log.segment.bytes" })
        #expect(segment.value == "4096")
        #expect(segment.source == ConfigSource.dynamicBroker)
        #expect(!segment.readOnly)
        #expect(segment.synonyms.map(\.source) == [
            ConfigSource.dynamicBroker, ConfigSource.dynamicDefaultBroker, ConfigSource.staticBroker, ConfigSource.default,
        ])
        #expect(segment.synonyms.map(\.value) == ["4096", "2048", "1048576", "1073741824"])
        let zk = try #require(layers.brokerEntries(perBroker: true).first { $0.name == "zookeeper.connect" })
        #expect(zk.readOnly)
        #expect(zk.source == ConfigSource.staticBroker)

        // The cluster-wide resource lists only its own dynamic configs, without per-broker synonyms.
        let defaults = layers.brokerEntries(perBroker: false)
        #expect(defaults.map(\.name) == ["log.segment.bytes"])
        #expect(defaults.first?.value == "2048")
        #expect(defaults.first?.source == ConfigSource.dynamicDefaultBroker)

        // A topic override comes first; without one the broker's value in force and its source.
        let topic = layers.topicEntries(overrides: ["retention.ms": "5"])
        let retention = try #require(topic.first { $0.name == "retention.ms" })
        #expect(retention.value == "5")
        #expect(retention.synonyms.first == .init(name: "retention.ms", value: "5", source: ConfigSource.dynamicTopic))
        let segmentBytes = try #require(topic.first { $0.name == "segment.bytes" })
        #expect(segmentBytes.value == "4096")
        #expect(segmentBytes.source == ConfigSource.dynamicBroker)
    }
}
