import Logging
import NIOCore

/// Closes a connection on `IdleStateHandler.IdleStateEvent.all`: Kafka's `connections.max.idle.ms` (default
/// 600000), counted from the last inbound or outbound activity. Put an `IdleStateHandler(allTimeout:)` right before
/// it (see `addKafkaRequestFraming`); every other event is passed on.
///
/// Immutable, so it may be created off the event loop.
public final class IdleConnectionHandler: ChannelInboundHandler, Sendable {
    public typealias InboundIn = NIOAny

    /// Kafka's default `connections.max.idle.ms`.
    public static let defaultMaxIdle = TimeAmount.milliseconds(600_000)

    private let maxIdle: TimeAmount
    private let logger: Logger

    /// `maxIdle` is only used in the log line; the timeout itself is the `IdleStateHandler`'s.
    public init(maxIdle: TimeAmount, logger: Logger) {
        self.maxIdle = maxIdle
        self.logger = logger
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .all = event as? IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let peer = context.remoteAddress?.description ?? "unknown peer"
        logger.debug("About to close the idle connection from \(peer) due to being idle for \(maxIdle.nanoseconds / 1_000_000) millis")
        context.close(promise: nil)
    }
}
