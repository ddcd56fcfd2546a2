import Coordination
import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Storage
import Synchronization
import ZooKeeper

/// One Gregor broker (Kafka's `KafkaServer`): starts up in Kafka's order, runs until graceful shutdown, and shuts
/// down in reverse order so that the ZooKeeper session, started first, closes last.
///
/// Startup: ZooKeeper session -> persistent paths -> cluster id -> `meta.properties` check and broker id -> listeners
/// -> registration in `/brokers/ids` -> controller election. Storage (`LogManager`), the request handlers and
/// `ReplicaManager` slot in between the broker id and the listeners.
public final class KafkaServer: Service, Sendable {
    public let config: BrokerConfig
    let logger: Logger

    public init(config: BrokerConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run() async throws {
        // TLS settings are checked before anything starts: a listener without a keystore stops the broker here.
        let tlsContexts = try SslFactory.serverContexts(config)
        let interBroker = try InterBrokerClient(config: config)
        let metrics = BrokerMetrics()
        let zkConfig = try membershipConfiguration(metrics: metrics)
        logger.info("Connecting to ZooKeeper on \(zkConfig.connectString)")
        let session: KafkaZkClient
        do {
            session = try await ClusterMembership.connect(zkConfig, logger: logger)
        } catch ZooKeeperError.connectionTimeout {
            throw StartupError.zooKeeperUnreachable(connect: "\(zkConfig.connectString)", timeoutMs: config.zookeeperConnectionTimeoutMs)
        }
        // What has started so far, for `shutDown`, which also runs when startup fails half way.
        var started = StartedParts(startupSession: session)
        do {
            try await session.ensurePersistentPaths()
            let clusterId = try await session.getOrCreateClusterId()
            logger.info("Cluster ID = \(clusterId)")
            let brokerId = try await resolveBrokerId(clusterId: clusterId, zk: session)
            let dynamicConfig = try await loadDynamicConfig(zk: session, brokerId: brokerId)
            let current = dynamicConfig.current
            let logs = try await LogManager.load(current.logManagerConfiguration, logger: logger)
            started.logManager = logs
            let metadataCache = MetadataCache()
            let currentSession = CurrentZkSession(session)
            let pool = NIOThreadPool(numberOfThreads: Int(config.int("num.io.threads")))
            pool.start()
            started.ioThreads = pool
            let replicas = ReplicaManager(
                configuration: replicaManagerConfiguration(brokerId: brokerId, current: current, interBroker: interBroker),
                logManager: logs, metadataCache: metadataCache, defaultLogConfig: current.logConfig,
                topicConfig: { [logger] topic in try await Self.readTopicConfig(topic, session: currentSession, logger: logger) },
                isrStore: ZkIsrStateStore(session: { currentSession.zk }), ioThreads: pool, metrics: metrics, logger: logger)
            replicas.updateReplicationThrottleRates(perBrokerConfigs: dynamicConfig.perBrokerConfigs)
            started.replicaManager = replicas
            // The current session, which changes when the membership replaces an expired one.
            let producerIds = ProducerIdManager(brokerId: brokerId, session: { currentSession.zk }, logger: logger)
            let groups = GroupCoordinator(
                configuration: groupCoordinatorConfiguration(brokerId: brokerId),
                store: GroupOffsetStore(session: { currentSession.zk }, logger: logger), metadataCache: metadataCache,
                logger: logger, sessionId: { currentSession.zk.sessionID },
                groupExists: { group in try await currentSession.zk.hasCommittedOffsets(group: group) })
            started.groupCoordinator = groups
            let transactions = TransactionCoordinator(
                brokerId: brokerId, configuration: TransactionConfiguration(config), session: { currentSession.zk },
                producerIds: producerIds,
                markers: TransactionMarkerChannelManager(
                    brokerId: brokerId, metadataCache: metadataCache, replicaManager: replicas, groupCoordinator: groups,
                    channel: BrokerControllerChannel(
                        listenerName: interBroker.listenerName,
                        requestTimeout: BrokerApis.txnMarkerReplicationTimeout + .seconds(10),
                        clientId: "broker-\(brokerId)-txn-marker-sender", connection: interBroker.connection, logger: logger),
                    logger: logger),
                liveBrokerIds: { metadataCache.aliveBrokers().map(\.id) }, logger: logger)
            started.transactionCoordinator = transactions
            let aclAuthorizer = try await startAclAuthorizer(session: currentSession)
            let apis = BrokerApis(
                settings: apiSettings(brokerId: brokerId, clusterId: clusterId), replicaManager: replicas,
                metadataCache: metadataCache, zkSession: currentSession, producerIds: producerIds,
                groupCoordinator: groups, transactionCoordinator: transactions, brokerConfig: dynamicConfig,
                controllerGuard: ControllerRequestGuard(membership: { currentSession.membership }, session: { currentSession.zk }),
                logger: logger, aclAuthorizer: aclAuthorizer,
                fetchSessions: FetchManager(maxSessions: Int(config.int("max.incremental.fetch.session.cache.slots"))))
            let routes = apis.routes
            let startupGate = StartupGate()
            let dispatcher = RequestDispatcher(
                routes: routes, limits: WireLimits(), logger: logger, startup: startupGate,
                apiVersionsFallback: BrokerApis.apiVersionsFallback(routes: routes))
            let maxFrameBytes = Int(config.int("socket.request.max.bytes"))
            let maxIdle = config.connectionsMaxIdle
            let queuedRequests = QueuedRequestLimit(maxQueued: Int(config.int("queued.max.requests")))
            started.queuedRequests = queuedRequests
            let socketConfiguration = try await socketServerConfiguration(ioThreads: pool, current: current)
            let saslSettings = try config.saslListenerConfigs()
            // Users' SCRAM credentials, loaded before the listeners open so the first SASL/SCRAM login finds them.
            let credentials = CredentialCache()
            let configChanges = DynamicConfigManager(
                session: { currentSession.zk },
                topicConfig: replicas.topicConfig,
                applyTopicConfig: { topic, overrides in replicas.applyTopicConfig(topic: topic, overrides: overrides) },
                logger: logger,
                brokerConfigChanged: Self.brokerConfigChangeHandler(
                    dynamicConfig, brokerId: brokerId, session: currentSession, replicas: replicas,
                    quotas: socketConfiguration.quotas, ioThreads: pool, logger: logger),
                credentials: credentials)
            try await configChanges.loadAllUsers(zk: session)
            let sockets = try await SocketServer.bind(
                config.listeners, threads: Int(config.int("num.network.threads")),
                configuration: socketConfiguration, logger: logger
            ) { [logger] channel, endPoint in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = tlsContexts[endPoint.listenerName] {
                        try channel.pipeline.syncOperations.addSslServerHandlers(
                            tls, principalFromCertificate: endPoint.securityProtocol == .ssl, logger: logger)
                    }
                    let sasl = saslSettings[endPoint.listenerName]
                    let receiveLimit = sasl.map { SaslReceiveLimit(maxReceiveSize: $0.maxReceiveSize, maxFrameBytes: maxFrameBytes) }
                    try channel.pipeline.syncOperations.addKafkaRequestFraming(
                        maxFrameBytes: maxFrameBytes, maxIdle: maxIdle, saslReceiveLimit: receiveLimit,
                        waitsForWholeFrames: tlsContexts[endPoint.listenerName] == nil, logger: logger)
                    try channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(
                        processor: dispatcher, listenerName: endPoint.listenerName,
                        securityProtocol: endPoint.securityProtocol, queuedRequests: queuedRequests,
                        requestMetrics: metrics.requests, sasl: sasl?.authenticatorSettings(credentials: credentials),
                        receiveLimit: receiveLimit, logger: logger))
                }
            }
            started.socketServer = sockets
            let broker = BrokerInfo(id: brokerId, endPoints: advertisedEndPoints(boundTo: sockets), rack: config.rack)
            let controllerConfig = ControllerConfig(
                uncleanLeaderElectionEnable: config.bool("unclean.leader.election.enable"),
                deleteTopicEnable: config.bool("delete.topic.enable"),
                autoLeaderRebalanceEnable: config.bool("auto.leader.rebalance.enable"),
                leaderImbalanceCheckInterval: .seconds(config.long("leader.imbalance.check.interval.seconds")),
                leaderImbalancePerBrokerPercentage: Int(config.int("leader.imbalance.per.broker.percentage")))
            let controllerChannel = BrokerControllerChannel(
                listenerName: interBroker.listenerName,
                requestTimeout: .milliseconds(Int64(config.int("controller.socket.timeout.ms"))),
                connection: interBroker.connection, logger: logger)
            let membership = ClusterMembership(
                configuration: zkConfig, broker: broker, session: session, channel: controllerChannel,
                controllerConfig: controllerConfig, logger: logger)
            currentSession.follow(membership)
            started.membership = membership
            let monitoring = try await startMonitoring(
                brokerId: brokerId, clusterId: clusterId, broker: broker, metrics: metrics,
                metricsSource: BrokerGauges.Source(
                    brokerId: brokerId, partitions: { replicas.allPartitions },
                    isActiveController: { membership.activeController != nil },
                    leadership: { metadataCache.leadershipSummary() }, sessionState: { currentSession.zk.zooKeeper.state }),
                metadataCache: metadataCache, session: currentSession, interBroker: interBroker)
            started.monitoring = monitoring
            try await membership.register()
            startupGate.open()
            await transactions.start()
            logger.info("Gregor broker \(brokerId) started")
            let controlledShutdown = config.bool("controlled.shutdown.enable") ? ControlledShutdown(
                brokerId: brokerId, maxRetries: Int(config.int("controlled.shutdown.max.retries")),
                retryBackoff: .milliseconds(config.long("controlled.shutdown.retry.backoff.ms")),
                attempt: ControlledShutdown.overTheWire(
                    brokerId: brokerId, metadataCache: metadataCache, brokerEpoch: { membership.brokerEpoch },
                    interBroker: interBroker,
                    requestTimeout: .milliseconds(Int64(config.int("controller.socket.timeout.ms"))), logger: logger),
                logger: logger) : nil
            // Everything keeps running until graceful shutdown (SIGTERM) and, after it, the controlled shutdown:
            // the leaderships move while this broker still serves and replicates. Then, as in Kafka, the broker
            // stops serving and closes its logs while its membership (and the controller, if it is the one) still
            // runs; the membership stops last, and `shutDown` closes the session after it.
            let running = started
            let logger = self.logger
            try await withThrowingTaskGroup(of: Void.self) { outer in
                outer.addTask { try await membership.run() }
                outer.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await gracefulShutdown()
                            _ = await controlledShutdown?.run()
                        }
                        group.addTask { await logs.runSchedulers() }
                        group.addTask { await replicas.runHighWatermarkCheckpoints() }
                        group.addTask { await replicas.runIsrShrinkChecks() }
                        group.addTask { await replicas.runIsrChangeWriter() }
                        group.addTask { await groups.runOffsetExpiry() }
                        group.addTask { await configChanges.run() }
                        if let aclAuthorizer {
                            for path in AclChangeNotification.changePaths {
                                let listener = AclChangeListener(changePath: path, authorizer: aclAuthorizer, logger: logger)
                                group.addTask { await listener.run() }
                            }
                        }
                        if let sampler = monitoring?.sampler { group.addTask { await sampler.run() } }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                    logger.info("Broker \(brokerId) shutting down")
                    await self.stopServing(running)
                }
                defer { outer.cancelAll() }
                try await outer.next()
            }
        } catch {
            await shutDown(started)
            throw error
        }
        await shutDown(started)
        logger.info("Shut down completed")
    }

    /// What `run` has started, each nil until it has.
    private struct StartedParts: Sendable {
        let startupSession: KafkaZkClient
        var logManager: LogManager?
        var ioThreads: NIOThreadPool?
        var replicaManager: ReplicaManager?
        var groupCoordinator: GroupCoordinator?
        var transactionCoordinator: TransactionCoordinator?
        var queuedRequests: QueuedRequestLimit?
        var socketServer: SocketServer?
        var monitoring: MonitoringServices?
        var membership: ClusterMembership?
        /// Set by the first `stopServing`: it runs once, whichever path gets there first.
        let stoppedServing = OnceFlag()
    }

    /// Kafka's shutdown order: `stopServing`, then the ZooKeeper session closes, so the broker's ephemeral znodes
    /// vanish only now and at once; the network event loops stop last.
    private func shutDown(_ started: StartedParts) async {
        await stopServing(started)
        // The membership's session replaced the startup one after an expiry; closing both is idempotent.
        await started.membership?.close()
        await started.startupSession.zooKeeper.close()
        await started.socketServer?.shutdown()
    }

    /// The coordinators tell their members to move on while the connections are open; then the connections close
    /// and the requests still being processed end; the replica fetchers stop; the logs close cleanly (flush,
    /// checkpoints, clean shutdown markers).
    private func stopServing(_ started: StartedParts) async {
        guard started.stoppedServing.setFirstTime() else { return }
        await started.monitoring?.http.shutdown()
        await started.transactionCoordinator?.shutdown()
        // Members waiting on a rebalance are told to find another coordinator before the connections close.
        await started.groupCoordinator?.shutdown()
        await started.socketServer?.stopProcessingRequests()
        if let queued = started.queuedRequests, !(await queued.waitUntilIdle(timeout: Self.requestDrainTimeout)) {
            logger.warning("\(queued.queued) request(s) still being processed \(Self.requestDrainTimeout) after their connections closed; shutting down anyway")
        }
        await started.replicaManager?.shutdown()
        if let logManager = started.logManager {
            // The closes wait on the disk: on an I/O thread, not on one of the few cooperative threads that the
            // controller and the membership, still running, need meanwhile.
            let logger = self.logger
            await NIOThreadPool.runBlocking(on: started.ioThreads) {
                do {
                    try logManager.shutdown()
                } catch {
                    logger.error("Closing the logs failed: \(error); the next start will recover them")
                }
            }
        }
        try? await started.ioThreads?.shutdownGracefully()
    }

    /// How long shutdown waits for requests cancelled by their connection's close to end.
    static let requestDrainTimeout: Duration = .seconds(5)

    private func membershipConfiguration(metrics: BrokerMetrics) throws -> ClusterMembership.Configuration {
        let connect: ConnectString
        do {
            connect = try ConnectString(parsing: config.zookeeperConnect)
        } catch {
            throw StartupError.invalidZooKeeperConnect(config.zookeeperConnect, reason: error.description)
        }
        let zooKeeper = metrics.zooKeeper
        return ClusterMembership.Configuration(
            connectString: connect,
            sessionTimeout: .milliseconds(Int64(config.zookeeperSessionTimeoutMs)),
            connectionTimeout: .milliseconds(Int64(config.zookeeperConnectionTimeoutMs)),
            sessionStateObserver: { zooKeeper.recordSessionState($0) },
            requestObserver: { zooKeeper.recordRequest($0) })
    }

    /// The configured id, else the one stored in `meta.properties`, else a new one from `/brokers/seqid`; then
    /// `meta.properties` is (re)written in every log dir.
    private func resolveBrokerId(clusterId: String, zk: KafkaZkClient) async throws -> Int32 {
        let configured: Int32? = config.brokerId >= 0 ? config.brokerId : nil
        let stored = try MetaProperties.reconcile(logDirs: config.logDirs, configuredBrokerId: configured, clusterId: clusterId)
        let brokerId: Int32
        if let id = configured ?? stored {
            brokerId = id
        } else if config.brokerIdGenerationEnable {
            brokerId = try await zk.generateBrokerId(reservedBrokerMaxId: config.reservedBrokerMaxId)
            logger.info("Generated broker.id \(brokerId) from \(ZkPaths.brokerSequenceId)")
        } else {
            throw StartupError.noBrokerId
        }
        try MetaProperties(brokerId: brokerId, clusterId: clusterId).writeAll(logDirs: config.logDirs)
        return brokerId
    }

    /// Advertised listeners with a port of 0 take the port their listener actually bound.
    private func advertisedEndPoints(boundTo sockets: SocketServer) -> [EndPoint] {
        config.advertisedListeners.map { endPoint in
            var advertised = endPoint
            if endPoint.port == 0, let bound = sockets.listeners.first(where: { $0.endPoint.listenerName == endPoint.listenerName }) {
                advertised.port = bound.port
            }
            return advertised
        }
    }
}

/// Why a broker cannot start; each is logged once as the fatal reason.
public enum StartupError: Error, CustomStringConvertible {
    case zooKeeperUnreachable(connect: String, timeoutMs: Int32)
    case invalidZooKeeperConnect(String, reason: String)
    case noBrokerId

    public var description: String {
        switch self {
        case .zooKeeperUnreachable(let connect, let timeoutMs):
            return "Timed out waiting for a connection to ZooKeeper at \(connect) within \(timeoutMs) ms (zookeeper.connection.timeout.ms)"
        case .invalidZooKeeperConnect(let text, let reason):
            return "Invalid value '\(text)' for configuration 'zookeeper.connect': \(reason)"
        case .noBrokerId:
            return "broker.id is -1 and broker.id.generation.enable is false: set broker.id"
        }
    }
}

extension KafkaServer {
    /// A topic's overrides from `/config/topics/<t>`, retried (every half second, on the current session) until
    /// ZooKeeper answers, as Kafka's ZooKeeper client blocks until connected: a connection blip must not start a
    /// replica on the broker's defaults (`min.insync.replicas=1` instead of 2, 7 days instead of infinite
    /// retention). Data that cannot be parsed throws, and so does an error no reconnection or new session mends
    /// (bad arguments, authentication). Cancellation throws too.
    static func readTopicConfig(_ topic: String, session: CurrentZkSession, logger: Logger) async throws -> [String: String] {
        var failures = 0
        while true {
            do {
                let overrides = try await AdminZkClient(zk: session.zk, logger: logger).topicConfig(topic)
                if failures > 0 { logger.info("Read the config of topic \(topic) after \(failures) failed attempt(s)") }
                return overrides
            } catch let error as ZooKeeperError where passesWithTheSession(error) {
                failures += 1
                if failures == 1 { logger.warning("Reading the config of topic \(topic) failed (\(error)); retrying until ZooKeeper answers") }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Failures of the connection or of the session, which the client's reconnection or the broker's next session
    /// ends.
    static func passesWithTheSession(_ error: ZooKeeperError) -> Bool {
        switch error {
        case .connectionLoss, .operationTimeout, .sessionExpired, .sessionMoved, .closing, .closed, .invalidState,
            .connectionTimeout:
            return true
        default:
            return false
        }
    }
}

/// A flag that is set once; tells the first caller.
private final class OnceFlag: Sendable {
    private let set = Mutex(false)

    /// True for the first call only.
    func setFirstTime() -> Bool {
        set.withLock { set in
            defer { set = true }
            return !set
        }
    }
}
