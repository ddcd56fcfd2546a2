import Storage

extension ReplicaManager {
    /// The topic's `min.insync.replicas`: its override (validated with the others), else the broker's.
    func minInsyncReplicas(_ overrides: [String: String]) -> Int {
        let override = overrides["min.insync.replicas"].flatMap { try? ConfigDef.topic["min.insync.replicas"]?.parse($0).number }
        return Int(max(1, override ?? Int64(brokerDefaults.withLock { $0.minInsyncReplicas })))
    }

    /// A topic's overrides changed (Kafka's `TopicConfigHandler.processConfigChanges`): every log of the topic on
    /// this broker, hosted as a replica or not, takes the new config, and its replicas the new
    /// `min.insync.replicas`. Returns how many logs changed.
    @discardableResult
    func applyTopicConfig(topic: String, overrides: [String: String]) -> Int {
        for quota in [leaderQuota, followerQuota] {
            quota.updateThrottledReplicas(topic: topic, overrides: overrides, brokerId: configuration.brokerId)
        }
        let config: LogConfig
        do {
            config = try defaultLogConfig.applying(topicOverrides: overrides)
        } catch {
            logger.error("Not applying the new config of topic \(topic): \(error); its logs keep their current config")
            return 0
        }
        let minInsync = minInsyncReplicas(overrides)
        var updated = 0
        for log in logManager.allLogs where log.topicPartition.topic == topic {
            log.updateConfig(config)
            updated += 1
        }
        for partition in allPartitions where partition.topicPartition.topic == topic {
            partition.updateMinInsyncReplicas(minInsync)
        }
        return updated
    }
}
