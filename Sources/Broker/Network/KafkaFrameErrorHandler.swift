import KafkaProtocol
import Logging
import NIOCore

/// Placed right after the frame decoder: passes frames through, and on the first error that reaches it (a
/// `KafkaFrameError` from the decoder, or any other) logs one line with the peer's address and the reason, then
/// closes this connection only. Kafka's `Selector` does the same (`Unexpected error from {}; closing connection`,
/// at warn); a partial frame at end of stream is logged at info (Kafka logs disconnects at debug; a client vanishing mid-request is worth a line). Later errors on the
/// closing channel are dropped without a log line.
///
/// One instance per connection, used on its event loop only.
public final class KafkaFrameErrorHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private let logger: Logger
    private var closing = false

    public init(logger: Logger) {
        self.logger = logger
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        closing = true
        let peer = context.remoteAddress?.description ?? "unknown peer"
        if case .truncatedFrame = error as? KafkaFrameError {
            logger.info("Connection with \(peer) disconnected mid-request: \(error)")
        } else {
            logger.warning("Unexpected error from \(peer); closing connection: \(error)")
        }
        context.close(promise: nil)
    }
}
