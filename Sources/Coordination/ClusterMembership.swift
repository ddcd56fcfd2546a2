import Logging
import Synchronization
import ZooKeeper

/// Keeps one broker a member of the cluster across ZooKeeper sessions: registered under `/brokers/ids`, racing
/// for (or running) the controller, and back in after a session expiry with a new session, as Kafka's
/// `KafkaZkClient` session-expiration handlers do.
///
/// Owns the sessions it opens and closes the last one when `run` ends, so the broker's ephemeral nodes vanish at
/// once on a clean shutdown.
public final class ClusterMembership: Sendable {
    public struct Configuration: Sendable {
        public var connectString: ConnectString
        public var sessionTimeout: Duration
        public var connectionTimeout: Duration
        /// Told each session state the broker's sessions go through (for Kafka's SessionExpireListener meters).
        public var sessionStateObserver: (@Sendable (SessionState) -> Void)?
        /// Told how long each ZooKeeper request took (for Kafka's ZooKeeperRequestLatencyMs).
        public var requestObserver: ZooKeeperRequestObserver?

        public init(
            connectString: ConnectString, sessionTimeout: Duration, connectionTimeout: Duration,
            sessionStateObserver: (@Sendable (SessionState) -> Void)? = nil, requestObserver: ZooKeeperRequestObserver? = nil
        ) {
            self.connectString = connectString
            self.sessionTimeout = sessionTimeout
            self.connectionTimeout = connectionTimeout
            self.sessionStateObserver = sessionStateObserver
            self.requestObserver = requestObserver
        }
    }

    private struct State {
        var zk: KafkaZkClient
        var controllerId: Int32?
        /// The czxid of this broker's registration in the current session (KIP-380's broker epoch).
        var brokerEpoch: Int64?
        /// The running controller term's handle while this broker is the controller.
        var activeController: ActiveControllerHandle?
    }

    public let configuration: Configuration
    public let broker: BrokerInfo
    public let controllerConfig: ControllerConfig
    private let channel: any ControllerChannel
    private let logger: Logger
    private let state: Mutex<State>

    /// - Parameters:
    ///   - session: the first session, already used for startup (cluster id, broker id); this object takes
    ///     ownership of it.
    ///   - channel: how this broker, while it is the controller, reaches the brokers.
    public init(
        configuration: Configuration, broker: BrokerInfo, session: KafkaZkClient, channel: any ControllerChannel,
        controllerConfig: ControllerConfig = ControllerConfig(), logger: Logger
    ) {
        self.configuration = configuration
        self.broker = broker
        self.channel = channel
        self.controllerConfig = controllerConfig
        self.logger = logger
        self.state = Mutex(State(zk: session))
    }

    /// Opens a session, creating the chroot of the connect string first if it is missing (as Kafka does).
    /// Throws `ZooKeeperError.connectionTimeout` when ZooKeeper cannot be reached in `connectionTimeout`.
    public static func connect(_ configuration: Configuration, logger: Logger) async throws -> KafkaZkClient {
        let connectString = configuration.connectString
        if let chroot = connectString.chroot {
            let root = try await ZooKeeperClient.connect(
                to: connectString.withoutChroot, sessionTimeout: configuration.sessionTimeout,
                connectionTimeout: configuration.connectionTimeout, requestObserver: configuration.requestObserver,
                logger: logger)
            do {
                try await root.ensurePath(chroot)
            } catch {
                await root.close()
                throw error
            }
            await root.close()
        }
        let client = try await ZooKeeperClient.connect(
            to: connectString, sessionTimeout: configuration.sessionTimeout,
            connectionTimeout: configuration.connectionTimeout, requestObserver: configuration.requestObserver,
            logger: logger)
        return KafkaZkClient(client)
    }

    /// The current session's client (it changes after an expiry).
    public var zk: KafkaZkClient { state.withLock { $0.zk } }

    /// The handle of the controller this broker runs, while it is the controller.
    public var activeController: ActiveControllerHandle? { state.withLock { $0.activeController } }

    /// The controller's broker id as last seen in `/controller`.
    public var controllerId: Int32? { state.withLock { $0.controllerId } }

    /// The broker epoch controller requests must carry (KIP-380): the czxid of `/brokers/ids/<id>` as this session
    /// registered it; nil before registration and between a session's expiry and the next registration.
    public var brokerEpoch: Int64? { state.withLock { $0.brokerEpoch } }

    /// A registration left by a broker killed without closing its session vanishes when ZooKeeper expires that
    /// session, within its timeout; ZooKeeper checks expiry once per tick, so a few seconds more are allowed.
    public static let staleRegistrationMargin: Duration = .seconds(5)

    /// Registers this broker in the current session. A registration of the same id by another session is waited
    /// out for the session timeout plus `staleRegistrationMargin` (a restart right after `kill -9` starts on the
    /// first try); one that outlives that belongs to a live broker and throws
    /// `BrokerRegistrationError.alreadyRegistered`.
    public func register() async throws {
        let session = zk
        try await session.ensurePersistentPaths()
        let owner = try await session.zooKeeper.exists(ZkPaths.broker(broker.id))?.ephemeralOwner
        if let owner, owner != session.sessionID {
            logger.warning(
                "broker.id \(broker.id) is still registered by session 0x\(String(owner, radix: 16)), a previous run of this broker that did not shut down cleanly or another live broker: waiting up to \(configuration.sessionTimeout + Self.staleRegistrationMargin) for that registration to expire")
        }
        let waited = try await session.registerBroker(
            broker, staleRegistrationWait: configuration.sessionTimeout + Self.staleRegistrationMargin)
        if let owner, owner != session.sessionID {
            logger.info(
                "The registration of session 0x\(String(owner, radix: 16)) expired after \(waited): it was left by a previous run, not a live broker")
        }
        let epoch = try await session.zooKeeper.exists(ZkPaths.broker(broker.id))?.czxid
        state.withLock { $0.brokerEpoch = epoch }
        let addresses = broker.endPoints.map(\.description).joined(separator: ",")
        logger.info("Registered broker \(broker.id) at path \(ZkPaths.broker(broker.id)) with addresses: \(addresses)")
    }

    /// Takes part in the controller election until cancelled, surviving session expiry. The session stays open:
    /// the broker closes it with `close` once everything else that uses it has stopped, last, as Kafka does, so
    /// its registration vanishes only when its logs are closed.
    public func run() async throws {
        try await runSessions()
    }

    /// Closes the current session: this broker's registration and any controllership vanish at once.
    public func close() async {
        await zk.zooKeeper.close()
    }

    private func runSessions() async throws {
        while !Task.isCancelled {
            let session = zk
            do {
                try await runSession(session)
            } catch is CancellationError {
                break
            } catch ZooKeeperError.sessionExpired {
                let id = String(session.sessionID, radix: 16)
                logger.warning(
                    "ZooKeeper session 0x\(id) expired: resigned any controllership; opening a new session to re-register broker \(broker.id)")
                await session.zooKeeper.close()
                state.withLock {
                    $0.controllerId = nil
                    $0.brokerEpoch = nil
                }
                guard try await reregister() else { break }
            } catch ZooKeeperError.closed {
                break
            } catch let error as BrokerRegistrationError {
                throw error
            } catch {
                if Task.isCancelled { break }
                logger.error("Controller election failed: \(error); retrying")
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func runSession(_ session: KafkaZkClient) async throws {
        let election = ControllerElection(
            brokerId: broker.id, zk: session, channel: channel, config: controllerConfig, logger: logger
        ) { [self] id in
            self.state.withLock { $0.controllerId = id }
        } onTerm: { [self] handle, active in
            self.state.withLock { state in
                if active {
                    state.activeController = handle
                } else if state.activeController === handle {
                    state.activeController = nil
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await election.run() }
            group.addTask { [logger, configuration] in
                await Self.logTransitions(of: session.zooKeeper, observer: configuration.sessionStateObserver, logger: logger)
            }
            defer { group.cancelAll() }
            while let _ = try await group.next() {}
        }
    }

    /// After an expiry: a new session and the registration in it, retried (with a new session when that one ends
    /// too) until both succeed, so a connection loss meanwhile does not stop the broker. False when cancelled; a
    /// live broker holding the id throws `BrokerRegistrationError`.
    private func reregister() async throws -> Bool {
        var session: KafkaZkClient?
        while !Task.isCancelled {
            if session == nil || session?.zooKeeper.state.isTerminal == true {
                if let ended = session { await ended.zooKeeper.close() }
                guard let next = await reconnect() else { return false }
                state.withLock { $0.zk = next }
                session = next
            }
            do {
                try await register()
                return true
            } catch let error as BrokerRegistrationError {
                throw error
            } catch {
                logger.warning("Registering broker \(broker.id) in the new session failed (\(error)); trying again")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return false
    }

    /// Opens a new session, retrying until it succeeds or the task is cancelled.
    private func reconnect() async -> KafkaZkClient? {
        while !Task.isCancelled {
            do {
                let next = try await Self.connect(configuration, logger: logger)
                logger.info("New ZooKeeper session 0x\(String(next.sessionID, radix: 16)) established")
                return next
            } catch {
                logger.warning("Could not open a new ZooKeeper session (\(error)); retrying")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return nil
    }

    private static func logTransitions(
        of client: ZooKeeperClient, observer: (@Sendable (SessionState) -> Void)?, logger: Logger
    ) async {
        var previous: SessionState?
        for await state in client.sessionStates() {
            defer { previous = state }
            if state != previous { observer?(state) }
            switch (previous, state) {
            case (_, .disconnected):
                logger.warning(
                    "Disconnected from ZooKeeper; the client is reconnecting (the session survives \(client.sessionTimeout) without a connection)")
            case (.disconnected?, .connected):
                logger.info("Reconnected to ZooKeeper; session 0x\(String(client.sessionID, radix: 16)) is intact")
            default:
                break
            }
        }
    }
}
