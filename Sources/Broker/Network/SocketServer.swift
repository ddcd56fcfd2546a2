import Coordination
import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The broker's listeners (Kafka's `SocketServer`): one bound server channel per entry of `listeners`.
///
/// Owns its event loop group. Each accepted connection first passes `ConnectionQuotas` (refused ones are closed
/// before any byte is read), gets the socket options below, and then runs the caller's pipeline; with the Kafka
/// protocol it is frame decoding (capped at `socket.request.max.bytes`), then request dispatch.
///
/// Shutdown has two steps, as in Kafka: `stopProcessingRequests` closes the listeners and every connection first,
/// and `shutdown` stops the event loops last, once nothing that outlived the connections (a request still being
/// processed, whose answer is dropped) can schedule work on them.
public final class SocketServer: Sendable {
    /// What every accepted connection gets.
    struct Configuration: Sendable {
        /// `socket.send.buffer.bytes`: SO_SNDBUF of accepted sockets; nil keeps the OS default (and its autotuning).
        var sendBufferBytes: Int32? = 102_400
        /// `socket.receive.buffer.bytes`: SO_RCVBUF of accepted sockets; nil keeps the OS default.
        var receiveBufferBytes: Int32? = 102_400
        /// Answers buffered in the broker above `high` make the channel unwritable, and `KafkaConnectionHandler`
        /// then neither starts the next request nor reads; below `low` it resumes. Kafka keeps one response per
        /// connection in memory (it mutes the channel until the response is sent); NIO's default marks (32/64 KiB)
        /// give the same bound for small answers, and a larger answer (a Fetch) is the one response in flight.
        var writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 64 * 1024)
        var quotas = ConnectionQuotas(ConnectionQuotas.Configuration())
    }

    public struct BoundListener: Sendable {
        public var endPoint: EndPoint
        /// The port actually bound (differs from the configured one when that was 0).
        public var port: Int
    }

    public let listeners: [BoundListener]
    private let quotas: ConnectionQuotas
    private let channels: [any Channel]
    private let connections: OpenConnections
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger

    private init(
        listeners: [BoundListener], quotas: ConnectionQuotas, channels: [any Channel], connections: OpenConnections,
        group: MultiThreadedEventLoopGroup, logger: Logger
    ) {
        self.listeners = listeners
        self.quotas = quotas
        self.channels = channels
        self.connections = connections
        self.group = group
        self.logger = logger
    }

    /// Binds every listener, or none: a failure closes what was already bound.
    static func bind(
        _ endPoints: [EndPoint],
        threads: Int,
        configuration: Configuration = Configuration(),
        logger: Logger,
        childInitializer: @escaping @Sendable (any Channel, EndPoint) -> EventLoopFuture<Void>
    ) async throws -> SocketServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let connections = OpenConnections()
        var bound: [BoundListener] = []
        var channels: [any Channel] = []
        do {
            for endPoint in endPoints {
                var bootstrap = ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelOption(.socketOption(.so_keepalive), value: 1)
                    .childChannelOption(.writeBufferWaterMark, value: configuration.writeBufferWaterMark)
                    .childChannelOption(.recvAllocator, value: KafkaFrameDecoder.receiveBufferAllocator())
                if let bytes = configuration.sendBufferBytes {
                    bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(bytes))
                }
                if let bytes = configuration.receiveBufferBytes {
                    bootstrap = bootstrap.childChannelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(bytes))
                }
                let quotas = configuration.quotas
                let channel = try await bootstrap
                    .childChannelInitializer { child in
                        // Runs before the channel is registered: a refused connection is closed unread.
                        if let refusal = admit(child, listenerName: endPoint.listenerName, quotas: quotas, logger: logger) {
                            return child.eventLoop.makeFailedFuture(refusal)
                        }
                        guard connections.add(child) else {
                            // Accepted while the server stops processing requests.
                            return child.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                        }
                        return childInitializer(child, endPoint)
                    }
                    .bind(host: endPoint.bindHost, port: endPoint.port)
                    .get()
                channels.append(channel)
                let port = channel.localAddress?.port ?? endPoint.port
                bound.append(BoundListener(endPoint: endPoint, port: port))
                logger.info("Awaiting socket connections on \(endPoint.bindHost):\(port) for listener \(endPoint.listenerName)")
            }
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw SocketServerError.bindFailed(endPoint: endPoints[bound.count], underlying: error)
        }
        return SocketServer(
            listeners: bound, quotas: configuration.quotas, channels: channels, connections: connections, group: group,
            logger: logger)
    }

    /// Counts `child` in the quotas until it closes, or logs why it is refused (Kafka logs refusals at info).
    private static func admit(
        _ child: any Channel, listenerName: String, quotas: ConnectionQuotas, logger: Logger
    ) -> ConnectionQuotas.Refusal? {
        let address = child.remoteAddress?.ipAddress ?? "unknown"
        if let refusal = quotas.acquire(address: address, listenerName: listenerName) {
            logger.info("\(refusal)")
            return refusal
        }
        child.closeFuture.whenComplete { _ in quotas.release(address: address) }
        return nil
    }

    /// Open connections on all listeners.
    var connectionCount: Int { quotas.count }

    /// Stops accepting and closes every connection (Kafka's `stopProcessingRequests`): requests being processed are
    /// cancelled and their answers dropped. The event loops keep running for those until `shutdown`.
    public func stopProcessingRequests() async {
        guard let open = connections.closeAll() else { return }  // stopped already
        for channel in channels { try? await channel.close() }
        for channel in open { try? await channel.closeFuture.get() }
        logger.info("Stopped processing requests; closed \(open.count) connection(s)")
    }

    /// Stops the event loops, after `stopProcessingRequests` if that was not called.
    public func shutdown() async {
        await stopProcessingRequests()
        try? await group.shutdownGracefully()
        logger.info("Socket server shut down")
    }
}

/// The accepted connections still open, so that shutdown can close them before the event loops stop.
private final class OpenConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Tracks `channel` until it closes; false after `closeAll`, and the caller refuses the connection.
    func add(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.channels[id] = channel
            return true
        }
        guard accepted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.channels.removeValue(forKey: id) }
        }
        return true
    }

    /// Closes every open connection and refuses later ones; returns those it closed, nil when it did so before.
    func closeAll() -> [any Channel]? {
        let open: [any Channel]? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            return state.channels.map(\.value)
        }
        for channel in open ?? [] { channel.close(promise: nil) }
        return open
    }
}

public enum SocketServerError: Error, CustomStringConvertible {
    case bindFailed(endPoint: EndPoint, underlying: any Error)

    public var description: String {
        switch self {
        case .bindFailed(let endPoint, let underlying):
            return "cannot bind listener \(endPoint.listenerName) to \(endPoint.bindHost):\(endPoint.port) (listeners): \(underlying)"
        }
    }
}
