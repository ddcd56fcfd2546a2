import KafkaProtocol

extension KafkaServer {
    /// What the API handlers read from `server.properties`.
    func apiSettings(brokerId: Int32, clusterId: String) -> BrokerApis.Settings {
        var topicDefaults: [String: String] = [:]
        for (topicKey, brokerKey) in TopicConfigKeys.brokerDefaults {
            topicDefaults[topicKey] = config.values[brokerKey]?.text
        }
        // Kafka derives these two from other keys when they are not set.
        topicDefaults["retention.ms"] = String(config.logConfig.retentionMs)
        topicDefaults["segment.ms"] = String(config.logConfig.segmentMs)
        topicDefaults["flush.ms"] = String(config.logConfig.flushMs)
        return BrokerApis.Settings(
            brokerId: brokerId, clusterId: clusterId,
            autoCreateTopics: config.bool("auto.create.topics.enable"),
            defaultPartitions: config.int("num.partitions"),
            defaultReplicationFactor: Int16(clamping: config.int("default.replication.factor")),
            deleteTopicEnable: config.bool("delete.topic.enable"),
            minInsyncReplicas: Int(config.int("min.insync.replicas")),
            fetchMaxBytes: Int(config.int("fetch.max.bytes")),
            zeroCopyFetch: config.bool("zero.copy.fetch.enable"),
            topicConfigDefaults: topicDefaults,
            brokerConfigs: ConfigDef.broker.keys.map(\.name).sorted().map { name in
                let value = config.values[name]
                return (name, value?.text, value?.isPassword ?? false)
            })
    }
}
