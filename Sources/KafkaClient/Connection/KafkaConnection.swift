import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection to one Kafka broker, shared by any number of tasks.
///
/// `connect` opens the socket and (unless configured off) negotiates versions with ApiVersions; then `send`
/// encodes a request with the request header its version needs (v1, or v2 for flexible versions), writes it, and
/// decodes the response with the matching response header (v0, or v1 for flexible versions; always v0 for
/// ApiVersions). Requests from concurrent tasks are pipelined: each gets a fresh correlation id and the
/// `RequestMultiplexer` in the pipeline matches responses in order.
///
/// Failure model: a timeout, a connection error or an out-of-step response ends the connection; its waiting
/// requests fail with a `KafkaClientError` and later sends fail at once. `isActive` tells whether to open a new
/// one. A response that does not decode fails only its own request.
///
/// Thread-safe: all mutable state is behind a mutex or on the channel's event loop.
public final class KafkaConnection: Sendable {
    public let host: String
    public let port: Int
    public let configuration: KafkaConnectionConfiguration
    let channel: any Channel
    let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var nextCorrelationId: Int32 = 0
        var apiVersions: BrokerApiVersions?
        /// When a SASL session stops being worth using (KIP-368): `isActive` turns false a little before the
        /// broker would close the connection, so owners open a fresh one instead of re-authenticating this one.
        var retireAt: ContinuousClock.Instant?
    }

    init(host: String, port: Int, channel: any Channel, configuration: KafkaConnectionConfiguration, logger: Logger) {
        self.host = host
        self.port = port
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(State())
    }

    /// Connects to `host:port` and, if `configuration.negotiateApiVersions`, asks the broker for its versions.
    ///
    /// - Throws: `KafkaClientError.connectionFailed` when the socket cannot be opened in time; any error of the
    ///   ApiVersions exchange (the connection is then closed).
    public static func connect(
        host: String, port: Int, configuration: KafkaConnectionConfiguration = KafkaConnectionConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gregor.client")
    ) async throws -> KafkaConnection {
        let maxResponseBytes = configuration.maxResponseBytes
        let maxInFlightRequests = configuration.maxInFlightRequests
        let tls = try configuration.tls.map { tls throws(KafkaClientError) in
            do {
                return try NIOSSLContext(configuration: tls)
            } catch {
                throw .connectionFailed(host: host, port: port, reason: "TLS configuration: \(error)")
            }
        }
        // Completed by the TLS handshake, or failed by what ended it.
        let handshake = tls.map { _ in eventLoopGroup.any().makePromise(of: Void.self) }
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(.nanoseconds(configuration.connectTimeout.saturatingNanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: KafkaFrameDecoder.receiveBufferAllocator())
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls, let handshake {
                        try channel.pipeline.syncOperations.addHandler(Self.tlsHandler(tls, host: host))
                        try channel.pipeline.syncOperations.addHandler(TLSHandshakeWatcher(handshake: handshake))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        KafkaFrameDecoder(maxFrameBytes: maxResponseBytes, waitsForWholeFrames: tls == nil))
                    try channel.pipeline.syncOperations.addHandler(
                        RequestMultiplexer(maxInFlightRequests: maxInFlightRequests, maxResponseBytes: maxResponseBytes))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            handshake?.fail(error)
            throw KafkaClientError.connectionFailed(host: host, port: port, reason: Self.reason(connecting: error))
        }
        if let handshake {
            // The handshake may take as long as the TCP connect could.
            let timeout = channel.eventLoop.scheduleTask(in: .nanoseconds(configuration.connectTimeout.saturatingNanoseconds)) {
                handshake.fail(ChannelError.connectTimeout(.nanoseconds(configuration.connectTimeout.saturatingNanoseconds)))
            }
            do {
                try await handshake.futureResult.get()
                timeout.cancel()
            } catch {
                timeout.cancel()
                try? await channel.close()
                let reason = if case ChannelError.connectTimeout = error { Self.reason(connecting: error) } else { TLSFailure.reason(error) }
                throw KafkaClientError.connectionFailed(host: host, port: port, reason: "TLS handshake failed: \(reason)")
            }
        }
        var logger = logger
        logger[metadataKey: "broker"] = "\(KafkaClientError.address(host, port))"
        let connection = KafkaConnection(
            host: host, port: port, channel: channel, configuration: configuration, logger: logger)
        do {
            if configuration.negotiateApiVersions {
                try await connection.negotiateApiVersions()
            }
            if let sasl = configuration.sasl {
                try await connection.authenticate(sasl)
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Why a connect failed, in a few words: "Connection refused" rather than NIO's nested description.
    static func reason(connecting error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return reason(connecting: first.error)
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if case ChannelError.connectTimeout(let timeout) = error {
            return "timed out after \(timeout.nanoseconds / 1_000_000) ms"
        }
        return "\(error)"
    }

    /// `host:port` of the broker.
    public var address: String { KafkaClientError.address(host, port) }

    /// False once the connection has closed or failed; every later send fails.
    public var isActive: Bool {
        guard channel.isActive else { return false }
        guard let retireAt = state.withLock({ $0.retireAt }) else { return true }
        return ContinuousClock.now < retireAt
    }

    /// The broker ends the SASL session after `ms`: retire the connection at 85% of it, as Kafka's clients start
    /// re-authenticating between 85% and 95%.
    func setSessionLifetime(ms: Int64) {
        let retireAt = ContinuousClock.now + .milliseconds(ms / 100 * 85)
        state.withLock { $0.retireAt = retireAt }
    }

    /// The broker's ranges from ApiVersions, or nil when negotiation was turned off.
    public var apiVersions: BrokerApiVersions? {
        state.withLock { $0.apiVersions }
    }

    func setApiVersions(_ versions: BrokerApiVersions) {
        state.withLock { $0.apiVersions = versions }
    }

    /// The version to speak for `api` when the caller implements up to `max`: `min(max, broker's max)`; nil if the
    /// broker lacks the API or only has versions above `max`. Without negotiation, `max` itself.
    public func version(for api: ApiKey, max: Int16) -> Int16? {
        guard let versions = apiVersions else { return max }
        return versions.version(for: api, max: max)
    }

    /// The highest version of `R` both sides implement, at most `max`.
    ///
    /// - Throws: `KafkaClientError.unsupportedVersion` when there is none.
    public func negotiatedVersion<R: KafkaRequest>(_ type: R.Type, max: Int16? = nil) throws(KafkaClientError) -> Int16 {
        let ours = Swift.min(max ?? R.validVersions.upperBound, R.validVersions.upperBound)
        guard let version = version(for: R.apiKey, max: ours), R.validVersions.contains(version) else {
            throw .unsupportedVersion(api: R.apiKey, version: nil)
        }
        return version
    }

    /// Sends `request` at `version` and waits for its response.
    ///
    /// - Parameter timeout: how long to wait for the response after writing; `configuration.requestTimeout` if nil.
    ///   When it passes, the request fails with `.timedOut` and the connection is closed.
    /// - Throws: `KafkaClientError`; error codes inside the response are not checked here.
    ///
    /// Runs on the caller's executor (`nonisolated(nonsending)`): a caller isolated to the connection's event loop
    /// (a replica fetcher) writes, waits and decodes there without a hop to another thread.
    nonisolated(nonsending) public func send<R: KafkaRequest>(
        _ request: R, version: Int16, timeout: Duration? = nil
    ) async throws(KafkaClientError) -> R.Response {
        let frame = try await sendFrame(request, version: version, timeout: timeout)
        return try decode(R.Response.self, from: frame, apiKey: R.apiKey, version: version,
                          firstFlexibleVersion: R.firstFlexibleVersion)
    }

    /// Sends `request` and returns its response frame undecoded (response header still in front).
    nonisolated(nonsending) func sendFrame<R: KafkaRequest>(
        _ request: R, version: Int16, timeout: Duration?
    ) async throws(KafkaClientError) -> ByteBuffer {
        let correlationId = nextCorrelationId()
        let frame = try encode(request, version: version, correlationId: correlationId)
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let outbound = OutboundRequest(
            frame: frame, apiKey: R.apiKey, correlationId: correlationId, response: promise,
            timeout: .nanoseconds((timeout ?? configuration.requestTimeout).saturatingNanoseconds))
        channel.writeAndFlush(outbound).whenFailure { error in
            promise.fail(error as? KafkaClientError ?? .connectionLost(reason: "\(error)"))
        }
        do {
            // Not `futureResult.get()`, which would resume on the global executor rather than the caller's.
            return try await withUnsafeThrowingContinuation { continuation in
                promise.futureResult.whenComplete { continuation.resume(with: $0) }
            }
        } catch {
            throw error as? KafkaClientError ?? .connectionLost(reason: "\(error)")
        }
    }

    /// Sends a request the broker does not answer (Produce with acks=0) and returns once it is written to the socket.
    public func sendWithoutResponse<R: KafkaRequest>(_ request: R, version: Int16) async throws(KafkaClientError) {
        let frame = try encode(request, version: version, correlationId: nextCorrelationId())
        let outbound = OutboundRequest(
            frame: frame, apiKey: R.apiKey, correlationId: -1, response: nil, timeout: .zero)
        do {
            try await channel.writeAndFlush(outbound).get()
        } catch {
            throw error as? KafkaClientError ?? .connectionLost(reason: "\(error)")
        }
    }

    /// Starts closing the socket and returns at once; the close is queued on the channel's event loop before this
    /// returns. Requests still waiting fail with `.connectionClosed`. Safe to call more than once.
    public func startClosing() {
        channel.close(promise: nil)
    }

    /// Closes the socket; requests still waiting fail with `.connectionClosed`. Safe to call more than once.
    public func close() async {
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Closed already (by the peer or an earlier error): nothing left to do.
        } catch {
            logger.debug("Closing connection: \(error)")
        }
    }

    // MARK: - Encoding and decoding

    private func nextCorrelationId() -> Int32 {
        state.withLock { state in
            let id = state.nextCorrelationId
            state.nextCorrelationId = id == .max ? 0 : id + 1
            return id
        }
    }

    /// The whole frame: size prefix, request header (version chosen from the API's first flexible version), body.
    func encode<R: KafkaRequest>(
        _ request: R, version: Int16, correlationId: Int32
    ) throws(KafkaClientError) -> ByteBuffer {
        guard R.supports(version) else { throw .unsupportedVersion(api: R.apiKey, version: version) }
        var writer = KafkaWriter(buffer: channel.allocator.buffer(capacity: 256))
        let start = writer.buffer.writerIndex
        writer.int32(0)  // size, filled in below
        let header = RequestHeader(
            apiKey: R.apiKey, apiVersion: version, correlationId: correlationId, clientId: configuration.clientId)
        let headerVersion = RequestHeader.version(
            apiKey: R.apiKey, apiVersion: version, firstFlexibleVersion: R.firstFlexibleVersion)
        do {
            try header.encode(into: &writer, version: headerVersion)
            try request.encode(into: &writer, version: version)
        } catch {
            throw .encodingFailed(api: R.apiKey, version: version, reason: "\(error)")
        }
        guard writer.deferredRegions.isEmpty else {
            throw .encodingFailed(api: R.apiKey, version: version, reason: "records must be in memory to be sent")
        }
        let size = writer.buffer.writerIndex - start - 4
        writer.buffer.setInteger(Int32(size), at: start)
        return writer.buffer
    }

    /// Decodes a response frame: the response header for the API version, then the body.
    func decode<Response: KafkaResponse>(
        _ type: Response.Type, from frame: ByteBuffer, apiKey: ApiKey, version: Int16, firstFlexibleVersion: Int16?
    ) throws(KafkaClientError) -> Response {
        var reader = KafkaReader(buffer: frame, limits: configuration.wireLimits)
        let headerVersion = ResponseHeader.version(
            apiKey: apiKey, apiVersion: version, firstFlexibleVersion: firstFlexibleVersion)
        do {
            _ = try ResponseHeader(from: &reader, version: headerVersion)
            return try Response(from: &reader, version: version)
        } catch {
            throw .decodingFailed(api: apiKey, version: version, reason: "\(error)")
        }
    }
}
