import KafkaProtocol

extension KafkaServer {
    /// What the API handlers read from `server.properties`.
    func apiSettings(brokerId: Int32, clusterId: String) -> BrokerApis.Settings {
        BrokerApis.Settings(
            brokerId: brokerId, clusterId: clusterId,
            autoCreateTopics: config.bool("auto.create.topics.enable"),
            defaultPartitions: config.int("num.partitions"),
            defaultReplicationFactor: Int16(clamping: config.int("default.replication.factor")),
            deleteTopicEnable: config.bool("delete.topic.enable"),
            fetchMaxBytes: Int(config.int("fetch.max.bytes")),
            zeroCopyFetch: config.bool("zero.copy.fetch.enable"))
    }

    /// What `ReplicaManager` and the replica fetchers read from `server.properties`.
    /// - Parameter current: the configuration in force (dynamic broker configs included).
    func replicaManagerConfiguration(
        brokerId: Int32, current: BrokerConfig, interBroker: InterBrokerClient
    ) -> ReplicaManager.Configuration {
        var fetcher = ReplicaFetcherConfiguration()
        fetcher.numFetchers = Int(config.int("num.replica.fetchers"))
        fetcher.maxWaitMs = config.int("replica.fetch.wait.max.ms")
        fetcher.minBytes = config.int("replica.fetch.min.bytes")
        fetcher.maxBytesPerPartition = config.int("replica.fetch.max.bytes")
        fetcher.responseMaxBytes = config.int("replica.fetch.response.max.bytes")
        fetcher.backoff = .milliseconds(Int64(config.int("replica.fetch.backoff.ms")))
        fetcher.socketTimeout = .milliseconds(Int64(config.int("replica.socket.timeout.ms")))
        fetcher.connection = interBroker.connection
        return ReplicaManager.Configuration(
            brokerId: brokerId, minInsyncReplicas: Int(current.int("min.insync.replicas")),
            highWatermarkCheckpointInterval: .milliseconds(config.long("replica.high.watermark.checkpoint.interval.ms")),
            replicaLagTimeMaxMs: config.long("replica.lag.time.max.ms"),
            interBrokerListenerName: interBroker.listenerName, fetcher: fetcher,
            quotaWindowNum: Int(config.int("replication.quota.window.num")),
            quotaWindowSizeMs: Int64(config.int("replication.quota.window.size.seconds")) * 1000)
    }
}

extension KafkaServer {
    /// What the group coordinator reads from `server.properties`.
    func groupCoordinatorConfiguration(brokerId: Int32) -> GroupCoordinator.Configuration {
        GroupCoordinator.Configuration(
            brokerId: brokerId,
            group: GroupConfig(
                minSessionTimeoutMs: config.int("group.min.session.timeout.ms"),
                maxSessionTimeoutMs: config.int("group.max.session.timeout.ms"),
                maxSize: Int(config.int("group.max.size")),
                initialRebalanceDelayMs: config.int("group.initial.rebalance.delay.ms")),
            offsetsRetentionMs: Int64(config.int("offsets.retention.minutes")) * 60_000,
            offsetsRetentionCheckIntervalMs: config.long("offsets.retention.check.interval.ms"),
            offsetMetadataMaxBytes: Int(config.int("offset.metadata.max.bytes")))
    }
}
