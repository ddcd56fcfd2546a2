import Dispatch
import Logging
internal import CZooKeeper

/// Told the duration of each request from submission to completion (for latency metrics); called on the C
/// client's completion thread, so it must be quick.
public typealias ZooKeeperRequestObserver = @Sendable (Duration) -> Void

/// One ZooKeeper session over Debian's `libzookeeper_mt`, with async/await operations.
///
/// Every operation is submitted with the C client's asynchronous API and completes on its completion thread, so no
/// caller thread (least of all a SwiftNIO event loop) ever blocks on the network. The only blocking call,
/// `zookeeper_close`, runs on a Dispatch queue.
///
/// A client is one session: after `expired` it is useless, and its owner opens a new one with `connect`
/// (Kafka's brokers do exactly that and then re-register). Thread-safe; share it freely.
public final class ZooKeeperClient: Sendable {
    let core: SessionCore
    public let connectString: ConnectString
    public let sessionTimeout: Duration

    private init(core: SessionCore, connectString: ConnectString, sessionTimeout: Duration) {
        self.core = core
        self.connectString = connectString
        self.sessionTimeout = sessionTimeout
    }

    deinit {
        // An owner that forgot `close` still must not leak the C client's threads and socket.
        if let handle = core.detachHandle() {
            let core = self.core
            DispatchQueue.global().async {
                zookeeper_close(handle.pointer)
                withExtendedLifetime(core) {}
            }
        }
    }

    /// Opens a session and waits until it is connected.
    ///
    /// - Parameters:
    ///   - sessionTimeout: proposed to the server, which clamps it to its [min, max] session timeout.
    ///   - connectionTimeout: how long to wait for the first connection before giving up
    ///     (`zookeeper.connection.timeout.ms`); the C client keeps trying every server meanwhile.
    ///   - credentials: re-attach to an existing session instead of creating one.
    ///   - requestObserver: told how long each request took, answered or failed.
    public static func connect(
        to connectString: ConnectString,
        sessionTimeout: Duration,
        connectionTimeout: Duration,
        reattachingTo credentials: SessionCredentials? = nil,
        requestObserver: ZooKeeperRequestObserver? = nil,
        logger: Logger = Logger(label: "zookeeper")
    ) async throws -> ZooKeeperClient {
        CLibraryLog.configureOnce
        let core = SessionCore(logger: logger, requestObserver: requestObserver)
        let client = ZooKeeperClient(core: core, connectString: connectString, sessionTimeout: sessionTimeout)
        let context = Unmanaged.passUnretained(core).toOpaque()
        let timeoutMs = Int32(clamping: sessionTimeout.milliseconds)
        var clientID = clientid_t()
        if let credentials {
            clientID.client_id = credentials.sessionID
            withUnsafeMutableBytes(of: &clientID.passwd) { raw in
                for (i, byte) in credentials.password.enumerated() { raw[i] = byte }
            }
        }
        let handle: OpaquePointer? = withUnsafePointer(to: &clientID) { idPointer in
            zookeeper_init2(
                connectString.description, sessionWatcherCallback, timeoutMs,
                credentials == nil ? nil : idPointer, context, 0, zooKeeperLogCallback)
        }
        guard let handle else { throw ZooKeeperError.systemError }
        core.attach(ZHandle(pointer: handle))
        do {
            try await client.waitForFirstConnection(timeout: connectionTimeout)
        } catch {
            await client.close()
            throw error
        }
        logger.debug("ZooKeeper session established", metadata: [
            "session": "0x\(String(client.sessionID, radix: 16))", "servers": "\(connectString)",
        ])
        return client
    }

    private func waitForFirstConnection(timeout: Duration) async throws {
        let states = core.stateStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in states {
                    switch state {
                    case .connected: return
                    case .expired: throw ZooKeeperError.sessionExpired
                    case .authFailed: throw ZooKeeperError.authFailed
                    case .closed: throw ZooKeeperError.closed
                    case .connecting, .disconnected: continue
                    }
                }
                throw ZooKeeperError.closed
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ZooKeeperError.connectionTimeout(milliseconds: timeout.milliseconds)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Closes the session: the server deletes its ephemeral nodes at once. Idempotent.
    public func close() async {
        guard let handle = core.detachHandle() else { return }
        let core = self.core
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                zookeeper_close(handle.pointer)
                withExtendedLifetime(core) {}
                continuation.resume()
            }
        }
        core.transition(to: .closed)
    }

    /// The current session state.
    public var state: SessionState { core.state }

    /// The current state first, then every change; finishes after `expired`, `authFailed` or `closed`.
    /// Each call returns an independent stream.
    public func sessionStates() -> AsyncStream<SessionState> { core.stateStream() }

    /// The server-assigned session id (0 before the first connection).
    public var sessionID: Int64 { credentials?.sessionID ?? 0 }

    /// What another handle needs to attach to this session.
    public var credentials: SessionCredentials? {
        var result: SessionCredentials?
        _ = try? core.withHandle { handle in
            guard let id = zoo_client_id(handle) else { return 0 }
            let password = withUnsafeBytes(of: id.pointee.passwd) { Array($0) }
            result = SessionCredentials(sessionID: id.pointee.client_id, password: password)
            return 0
        }
        return result
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
