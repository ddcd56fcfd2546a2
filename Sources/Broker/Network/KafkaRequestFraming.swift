import KafkaProtocol
import Logging
import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Adds the first stage of a Kafka connection's request pipeline, socket side first: idle timeout
    /// (`connections.max.idle.ms`; nil, from a negative value, disables it as in Kafka), frame decoding capped at
    /// `socket.request.max.bytes`, and the handler that closes the connection on a framing error. The request
    /// dispatcher goes after these (see `KafkaFrameDecoder`). `waitsForWholeFrames` sets the socket's receive
    /// low-water mark while a large request is read: plain TCP listeners only, never behind a TLS handler. Call on the
    /// channel's event loop, e.g. from `SocketServer`'s child initializer.
    func addKafkaRequestFraming(
        maxFrameBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes,
        maxIdle: TimeAmount? = IdleConnectionHandler.defaultMaxIdle,
        saslReceiveLimit: SaslReceiveLimit? = nil,
        waitsForWholeFrames: Bool = false,
        logger: Logger
    ) throws {
        if let maxIdle {
            try addHandler(IdleStateHandler(allTimeout: maxIdle))
            try addHandler(IdleConnectionHandler(maxIdle: maxIdle, logger: logger))
        }
        let limit: (() -> Int)? = saslReceiveLimit.map { limit in { limit.current } }
        try addHandler(KafkaFrameDecoder(
            maxFrameBytes: maxFrameBytes, currentLimit: limit, waitsForWholeFrames: waitsForWholeFrames))
        try addHandler(KafkaFrameErrorHandler(logger: logger))
    }
}
