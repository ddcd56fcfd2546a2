import Coordination

/// `server.properties`: Kafka's key names, types and defaults (Kafka 2.8, ZooKeeper mode), so a Kafka broker's
/// configuration file works unchanged. Keys Kafka has and Gregor does not know are reported as unknown, not fatal.
extension ConfigDef {
    public static let broker = ConfigDef(
        serverKeys + networkKeys + zooKeeperKeys + logKeys + replicationKeys + groupKeys + monitoringKeys
            + authorizerKeys + securityKeys + transactionKeys)

    /// Gregor extensions: Kafka serves metrics over JMX and has no console of its own.
    private static let monitoringKeys: [ConfigKey] = [
        ConfigKey("metrics.listener", .string, .none,
                  doc: "Gregor extension: http://host:port serving Prometheus metrics (/metrics) and the web console (/); unset serves neither."),
        ConfigKey("console.admin.enable", .boolean, .value("false"),
                  doc: "Gregor extension: whether the web console may create topics and reset group offsets; false keeps it read-only."),
    ]

    private static let serverKeys: [ConfigKey] = [
        ConfigKey("broker.id", .int, .value("-1"),
                  doc: "This broker's id; -1 means the id stored in meta.properties, else one generated in ZooKeeper."),
        ConfigKey("broker.id.generation.enable", .boolean, .value("true"),
                  doc: "Whether a broker.id of -1 gets an id generated in ZooKeeper (above reserved.broker.max.id)."),
        ConfigKey("reserved.broker.max.id", .int, .value("1000"), .atLeast(0),
                  doc: "The largest id an operator may configure; generated ids start above it."),
        ConfigKey("broker.rack", .string, .none, doc: "The rack of this broker, for rack-aware replica assignment."),
        ConfigKey("auto.create.topics.enable", .boolean, .value("true"),
                  doc: "Whether metadata requests for an unknown topic create it."),
        ConfigKey("delete.topic.enable", .boolean, .value("true"), doc: "Whether topics can be deleted."),
        ConfigKey("controlled.shutdown.enable", .boolean, .value("true"),
                  doc: "Whether the broker asks the controller to move its leaderships away before stopping."),
        ConfigKey("controlled.shutdown.max.retries", .int, .value("3"),
                  doc: "Controlled shutdown attempts before the broker stops uncleanly."),
        ConfigKey("controlled.shutdown.retry.backoff.ms", .long, .value("5000"),
                  doc: "Wait between controlled shutdown attempts."),
        ConfigKey("controller.socket.timeout.ms", .int, .value("30000"),
                  doc: "Timeout of the controller's requests to brokers."),
        ConfigKey("zero.copy.fetch.enable", .boolean, .value("true"),
                  doc: "Gregor extension: serve fetches with sendfile from the page cache; false copies via memory."),
    ]

    private static let networkKeys: [ConfigKey] = [
        ConfigKey("listeners", .string, .value("PLAINTEXT://:9092"),
                  doc: "Comma-separated NAME://host:port to bind; an empty host binds all interfaces."),
        ConfigKey("advertised.listeners", .string, .none,
                  doc: "Listeners published in ZooKeeper for clients; defaults to listeners."),
        ConfigKey("listener.security.protocol.map", .string,
                  .value("PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
                  doc: "Comma-separated NAME:PROTOCOL giving each listener name its security protocol."),
        ConfigKey("inter.broker.listener.name", .string, .none,
                  doc: "Listener brokers use to talk to each other; set this or security.inter.broker.protocol."),
        ConfigKey("security.inter.broker.protocol", .string, .value("PLAINTEXT"),
                  .oneOf(SecurityProtocol.allCases.map(\.rawValue)),
                  doc: "Security protocol brokers use to talk to each other (its listener has the protocol's name)."),
        ConfigKey("num.network.threads", .int, .value("3"), .atLeast(1),
                  doc: "Threads (event loops) serving sockets."),
        ConfigKey("num.io.threads", .int, .value("8"), .atLeast(1), doc: "Threads processing requests."),
        ConfigKey("socket.send.buffer.bytes", .int, .value("102400"),
                  doc: "SO_SNDBUF of client sockets; -1 keeps the OS default."),
        ConfigKey("socket.receive.buffer.bytes", .int, .value("102400"),
                  doc: "SO_RCVBUF of client sockets; -1 keeps the OS default."),
        ConfigKey("socket.request.max.bytes", .int, .value("104857600"), .atLeast(1),
                  doc: "Largest request accepted; a larger size prefix closes the connection."),
        ConfigKey("connections.max.idle.ms", .long, .value("600000"),
                  doc: "Idle connections are closed after this long."),
        ConfigKey("queued.max.requests", .int, .value("500"), .atLeast(1),
                  doc: "Requests read but not yet processed before the network threads stop reading."),
        ConfigKey("max.connections.per.ip", .int, .value("2147483647"), .atLeast(0),
                  doc: "Connections allowed from one address; more are closed when accepted."),
        ConfigKey("max.connections.per.ip.overrides", .string, .value(""),
                  doc: "Per-address exceptions to max.connections.per.ip, as host:count,host:count."),
        ConfigKey("max.connections", .int, .value("2147483647"), .atLeast(0),
                  doc: "Connections allowed in total (the inter-broker listener is exempt); more are closed when accepted."),
    ]

    private static let zooKeeperKeys: [ConfigKey] = [
        ConfigKey("zookeeper.connect", .string, .required,
                  doc: "ZooKeeper connection string host:port[,host:port...][/chroot]."),
        ConfigKey("zookeeper.session.timeout.ms", .int, .value("18000"), .atLeast(1),
                  doc: "ZooKeeper session timeout; a broker silent this long loses its registration."),
        ConfigKey("zookeeper.connection.timeout.ms", .int, .none, .atLeast(1),
                  doc: "How long to wait for the ZooKeeper connection; defaults to zookeeper.session.timeout.ms."),
        ConfigKey("zookeeper.max.in.flight.requests", .int, .value("10"), .atLeast(1),
                  doc: "ZooKeeper requests sent without waiting for replies."),
    ]

    private static let groupKeys: [ConfigKey] = [
        ConfigKey("group.initial.rebalance.delay.ms", .int, .value("3000"),
                  doc: "How long a new group waits for more members before its first rebalance."),
        ConfigKey("group.min.session.timeout.ms", .int, .value("6000"),
                  doc: "Smallest session timeout a consumer may ask for."),
        ConfigKey("group.max.session.timeout.ms", .int, .value("1800000"),
                  doc: "Largest session timeout a consumer may ask for."),
        ConfigKey("group.max.size", .int, .value("2147483647"), .atLeast(1),
                  doc: "Members one consumer group may have."),
        ConfigKey("offsets.retention.minutes", .int, .value("10080"), .atLeast(1),
                  doc: "How long committed offsets of an empty group are kept."),
        ConfigKey("offsets.retention.check.interval.ms", .long, .value("600000"), .atLeast(1),
                  doc: "How often the group coordinator looks for expired offsets."),
        ConfigKey("offset.metadata.max.bytes", .int, .value("4096"), .atLeast(0),
                  doc: "Longest metadata string a commit may carry with an offset."),
        ConfigKey("offsets.topic.replication.factor", .int, .value("3"), .between(1, Int64(Int16.max)),
                  doc: "Replication factor of __consumer_offsets (unused: offsets live in ZooKeeper)."),
        ConfigKey("transaction.state.log.replication.factor", .int, .value("3"), .between(1, Int64(Int16.max)),
                  doc: "Replication factor of __transaction_state (accepted for compatibility)."),
        ConfigKey("transaction.state.log.min.isr", .int, .value("2"), .atLeast(1),
                  doc: "min.insync.replicas of __transaction_state (accepted for compatibility)."),
    ]
}
