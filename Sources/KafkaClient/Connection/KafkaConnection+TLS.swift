import NIOCore
import NIOSSL
import NIOTLS

extension KafkaConnection {
    /// The TLS client handler for a connection to `host`. SNI and the host name check use `host` when it is a DNS
    /// name; for an IP address swift-nio-ssl checks the certificate's IP entries against the peer's address.
    static func tlsHandler(_ context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: isIPAddress(host) ? nil : host)
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

/// Completes `handshake` when the TLS handshake does, or fails it with the error that ended the connection first,
/// so that `KafkaConnection.connect` reports a refused certificate as such instead of a closed connection on the
/// first request. It only watches; everything passes through.
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let handshake: EventLoopPromise<Void>
    private var done = false

    init(handshake: EventLoopPromise<Void>) {
        self.handshake = handshake
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { complete(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failure(ChannelError.eof))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        complete(.failure(ChannelError.ioOnClosedChannel))
    }

    private func complete(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        handshake.completeWith(result)
    }
}
