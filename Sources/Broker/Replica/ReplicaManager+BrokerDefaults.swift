import Storage

/// The broker-wide defaults every log without a topic override runs on.
struct BrokerLogDefaults: Sendable, Equatable {
    var logConfig: LogConfig
    /// The broker's `min.insync.replicas`; a topic's override wins.
    var minInsyncReplicas: Int
}

extension ReplicaManager {
    /// The log config of a topic without overrides, as the broker's configuration is now.
    var defaultLogConfig: LogConfig { brokerDefaults.withLock { $0.logConfig } }

    /// The broker's log defaults changed (a dynamic broker config, Kafka's `DynamicLogConfig.reconfigure`): every
    /// log on this broker takes the new defaults under its topic's overrides, which are read again because a log
    /// does not remember which of its settings are overrides. A topic whose overrides cannot be read keeps its
    /// config until its next change. Returns how many logs changed.
    @discardableResult
    func reconfigureDefaults(_ defaults: BrokerLogDefaults) async -> Int {
        guard brokerDefaults.withLock({ current in
            defer { current = defaults }
            return current != defaults
        }) else { return 0 }
        let topics = Set(logManager.allLogs.map(\.topicPartition.topic)).union(allPartitions.map(\.topicPartition.topic))
        var updated = 0
        for topic in topics.sorted() {
            do {
                updated += applyTopicConfig(topic: topic, overrides: try await topicConfig(topic))
            } catch {
                logger.error("Not applying the new broker defaults to topic \(topic): its config cannot be read (\(error))")
            }
        }
        return updated
    }
}
