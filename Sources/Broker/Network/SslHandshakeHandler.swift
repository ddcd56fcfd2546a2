import KafkaClient
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Sits right after the TLS handler of a connection on an SSL or SASL_SSL listener.
///
/// When the handshake completes on an SSL listener, it fires `AuthenticatedPrincipal` with `User:<subject DN>` of
/// the client's certificate (verified against the truststore by then), or leaves the connection `User:ANONYMOUS`
/// when the client sent none; on SASL_SSL listeners SASL names the principal instead. When the handshake fails (an
/// untrusted or missing client certificate, a client speaking plain Kafka to a TLS port) it logs one line at info,
/// as Kafka does ("Failed authentication with /127.0.0.1 (SSL handshake failed)"), and closes this connection only;
/// a TLS error later (a client gone without close_notify) closes it with a debug line.
///
/// One instance per connection, used on its event loop only.
final class SslHandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let tls: NIOSSLServerHandler
    private let principalFromCertificate: Bool
    private let logger: Logger
    private var handshakeCompleted = false
    /// The client's address as Kafka logs it ("/127.0.0.1"), taken while the channel still has it.
    private var peer = "unknown peer"
    private var closing = false

    /// - Parameter principalFromCertificate: true on SSL listeners, false on SASL_SSL ones.
    init(tls: NIOSSLServerHandler, principalFromCertificate: Bool, logger: Logger) {
        self.tls = tls
        self.principalFromCertificate = principalFromCertificate
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let address = context.remoteAddress { peer = "/" + (address.ipAddress ?? "\(address)") }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            handshakeCompleted = true
            if principalFromCertificate, let certificate = tls.peerCertificate {
                guard let principal = SslPrincipal.principal(of: certificate) else {
                    logger.info("Failed authentication with \(peer) (SSL handshake failed: the client certificate's subject does not parse)")
                    closing = true
                    context.close(promise: nil)
                    return
                }
                logger.debug("TLS handshake with \(peer) completed; principal \(principal)")
                context.fireUserInboundEventTriggered(AuthenticatedPrincipal(principal: principal))
            } else {
                logger.debug("TLS handshake with \(peer) completed")
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError else {
            context.fireErrorCaught(error)
            return
        }
        guard !closing else { return }
        closing = true
        if handshakeCompleted {
            logger.debug("TLS error from \(peer); closing connection: \(TLSFailure.reason(error))")
        } else {
            logger.info("Failed authentication with \(peer) (SSL handshake failed: \(TLSFailure.reason(error)))")
            logger.debug("TLS handshake error from \(peer): \(error)")
        }
        context.close(promise: nil)
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// TLS first on an SSL or SASL_SSL listener's connections: the server handler with the listener's context, then
    /// `SslHandshakeHandler`. Call before `addKafkaRequestFraming`.
    func addSslServerHandlers(_ context: NIOSSLContext, principalFromCertificate: Bool, logger: Logger) throws {
        let tls = NIOSSLServerHandler(context: context)
        try addHandler(tls)
        try addHandler(SslHandshakeHandler(tls: tls, principalFromCertificate: principalFromCertificate, logger: logger))
    }
}
