import Coordination
import Logging
import NIOCore
import NIOPosix

/// The broker's listeners (Kafka's `SocketServer`): one bound server channel per entry of `listeners`.
///
/// Owns its event loop group. What runs on an accepted connection is the caller's pipeline; with the Kafka
/// protocol it is frame decoding (capped at `socket.request.max.bytes`), then request dispatch.
public final class SocketServer: Sendable {
    public struct BoundListener: Sendable {
        public var endPoint: EndPoint
        /// The port actually bound (differs from the configured one when that was 0).
        public var port: Int
    }

    public let listeners: [BoundListener]
    private let channels: [any Channel]
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger

    private init(listeners: [BoundListener], channels: [any Channel], group: MultiThreadedEventLoopGroup, logger: Logger) {
        self.listeners = listeners
        self.channels = channels
        self.group = group
        self.logger = logger
    }

    /// Binds every listener, or none: a failure closes what was already bound.
    public static func bind(
        _ endPoints: [EndPoint],
        threads: Int,
        logger: Logger,
        childInitializer: @escaping @Sendable (any Channel, EndPoint) -> EventLoopFuture<Void>
    ) async throws -> SocketServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        var bound: [BoundListener] = []
        var channels: [any Channel] = []
        do {
            for endPoint in endPoints {
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelOption(.socketOption(.so_keepalive), value: 1)
                    .childChannelInitializer { childInitializer($0, endPoint) }
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
        return SocketServer(listeners: bound, channels: channels, group: group, logger: logger)
    }

    /// Stops accepting, closes every connection and the event loops.
    public func shutdown() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
        logger.info("Socket server shut down")
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
