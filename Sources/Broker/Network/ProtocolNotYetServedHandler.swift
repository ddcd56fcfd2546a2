import Logging
import NIOCore

/// Closes connections that send anything: this slice of Gregor binds its listeners (so clients, scripts and tests
/// see a live port and a taken port is detected at startup) but does not speak the Kafka protocol yet. The request
/// pipeline (frame decoder -> request header -> API handlers) replaces this handler.
final class ProtocolNotYetServedHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        logger.debug("Closing connection from \(context.remoteAddress?.description ?? "?"): Kafka API requests are not served yet")
        context.close(promise: nil)
    }
}
