/// Kafka 2.8's dynamic broker configs (`DynamicBrokerConfig`), as far as Gregor applies them while running. Kafka
/// updates more (thread pools, listeners, SSL, the log cleaner); a broker that accepted those without applying them
/// would report a value it does not use, so Gregor refuses them as Kafka refuses its static configs.
enum DynamicBrokerConfigKeys {
    /// The `log.*` defaults of logs without a topic override that a running log takes (Kafka's `DynamicLogConfig`,
    /// the topic configs' broker synonyms), `min.insync.replicas`, and the connection limits (Kafka's
    /// `SocketServer.ReconfigurableConfigs`). Left out although Kafka updates them: `compression.type` (Gregor keeps
    /// the producer's batches as they are) and `unclean.leader.election.enable` (the controller reads it at
    /// startup). All of these may be set per broker and cluster-wide, as in Kafka; the replication throttle rates
    /// (Kafka's `DynamicConfig.Broker`) take effect only from a broker's own configs, as in Kafka 2.8.
    static let reconfigurable: Set<String> = [
        "leader.replication.throttled.rate", "follower.replication.throttled.rate",
        "log.cleanup.policy", "log.flush.interval.messages", "log.flush.interval.ms", "log.index.interval.bytes",
        "log.index.size.max.bytes", "log.message.timestamp.type", "log.retention.bytes", "log.retention.ms",
        "log.roll.ms", "log.segment.bytes", "message.max.bytes", "min.insync.replicas",
        "max.connections", "max.connections.per.ip", "max.connections.per.ip.overrides",
    ]

    /// The keys Kafka 2.8 can update dynamically (`DynamicBrokerConfig.AllDynamicConfigs`), among those Gregor
    /// knows: DescribeConfigs reports these as not read-only, as Kafka does (clients' own tests check it), although
    /// Gregor refuses to change the ones outside `reconfigurable`.
    static let kafkaDynamic: Set<String> = reconfigurable.union([
        "listeners", "advertised.listeners", "listener.security.protocol.map", "num.io.threads", "num.network.threads",
        "num.replica.fetchers", "num.recovery.threads.per.data.dir", "background.threads", "compression.type",
        "unclean.leader.election.enable", "log.roll.hours", "log.roll.jitter.ms", "log.roll.jitter.hours",
        "log.retention.minutes", "log.retention.hours", "log.segment.delete.delay.ms", "log.preallocate",
        "log.message.timestamp.difference.max.ms", "log.message.downconversion.enable", "log.flush.scheduler.interval.ms",
        "max.connection.creation.rate", "metric.reporters",
    ])

    /// Kafka's `brokerConfigSynonyms`: the keys that set the same thing, highest precedence first.
    static func synonyms(_ name: String) -> [String] {
        switch name {
        case "log.roll.ms", "log.roll.hours": ["log.roll.ms", "log.roll.hours"]
        case "log.roll.jitter.ms", "log.roll.jitter.hours": ["log.roll.jitter.ms", "log.roll.jitter.hours"]
        case "log.flush.interval.ms": ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"]
        case "log.retention.ms", "log.retention.minutes", "log.retention.hours":
            ["log.retention.ms", "log.retention.minutes", "log.retention.hours"]
        default: [name]
        }
    }

    /// Kafka's `DynamicBrokerConfig.validateConfigs` for a new dynamic config set: every key must be dynamic, every
    /// value must parse and validate (Kafka's messages).
    static func validate(_ props: [String: String]) throws(ConfigAlterError) {
        let nonDynamic = props.keys.filter { !reconfigurable.contains($0) }
        if !nonDynamic.isEmpty {
            throw .configException("Cannot update these configs dynamically: \(scalaSet(nonDynamic))")
        }
        for name in props.keys.sorted() {
            try TopicConfigKeys.checkValue(ConfigDef.broker[name]!, props[name] ?? "")
        }
    }

    /// Kafka's `overrideProps`: each override replaces its key and removes the key's synonyms, so a dynamic
    /// `log.retention.ms` wins over a static `log.retention.hours`.
    static func override(_ props: inout [String: String], with overrides: [String: String]) {
        for name in overrides.keys.sorted() {
            for synonym in synonyms(name) { props[synonym] = nil }
            props[name] = overrides[name]
        }
    }

    /// The configuration in force: static, then the cluster-wide dynamic defaults, then this broker's own.
    static func merged(
        static staticProps: [String: String], clusterDefault: [String: String], perBroker: [String: String]
    ) -> [String: String] {
        var props = staticProps
        override(&props, with: clusterDefault)
        override(&props, with: perBroker)
        return props
    }

    /// What can be used of a dynamic config set read from ZooKeeper (Kafka's `fromPersistentProps`): keys that are
    /// not dynamic and values that do not validate are left out, and named in `ignored` for the caller to log.
    static func usable(_ persisted: [String: String]) -> (usable: [String: String], ignored: [String]) {
        var usable: [String: String] = [:]
        var ignored: [String] = []
        for (name, value) in persisted {
            if (try? validate([name: value])) != nil { usable[name] = value } else { ignored.append(name) }
        }
        return (usable, ignored.sorted())
    }
}
