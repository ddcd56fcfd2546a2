import NIOCore

/// Splits a connection's inbound bytes into Kafka frames (requests on a broker, responses on a client): an int32
/// big-endian `size`, then `size` bytes.
/// Each frame is emitted as one `ByteBuffer` holding the payload without the prefix; it is a slice of the
/// cumulation buffer (`readSlice`), so no payload byte is copied.
///
/// Size check (Kafka's `NetworkReceive.readFrom`): the prefix is validated as soon as its 4 bytes are buffered,
/// before any payload is waited for. A negative size throws `KafkaFrameError.negativeSize`, one above
/// `maxFrameBytes` (`socket.request.max.bytes` on a broker) throws `KafkaFrameError.frameTooLarge`; the
/// `ByteToMessageHandler` then stops decoding and fires the error, and the next handler closes the connection
/// (the broker's `KafkaFrameErrorHandler`, the client's `RequestMultiplexer`). NIO's `LengthFieldBasedFrameDecoder` is not used because it only rejects sizes above 2 GiB.
/// A size of 0 is accepted, as `NetworkReceive` does ("may be 0 for some payloads (SASL)"): the empty frame is
/// emitted and the request header parser rejects it, as Kafka's request parsing does (the connection is closed).
/// At end of stream, a partial frame left in the buffer throws `KafkaFrameError.truncatedFrame`.
///
/// It parses bytes and knows no sockets; `Broker`'s `addKafkaRequestFraming` and `KafkaClient`'s connection put it in
/// their pipelines.
///
/// Not thread-safe: one instance per connection, used on that channel's event loop only.
public struct KafkaFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Kafka's default `socket.request.max.bytes` (100 MiB).
    public static let defaultMaxFrameBytes = 104_857_600

    private static let prefixBytes = 4

    /// The largest payload accepted (`socket.request.max.bytes`), prefix not included.
    public let maxFrameBytes: Int

    /// When set, the limit in force for the next frame, asked each time (a SASL listener accepts only
    /// `sasl.server.max.receive.size` until the client has authenticated); `maxFrameBytes` otherwise.
    private let currentLimit: (() -> Int)?

    public init(maxFrameBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes, currentLimit: (() -> Int)? = nil) {
        precondition(maxFrameBytes >= 0, "socket.request.max.bytes must not be negative")
        self.maxFrameBytes = maxFrameBytes
        self.currentLimit = currentLimit
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = try declaredSize(in: buffer) else { return .needMoreData }
        guard buffer.readableBytes >= Self.prefixBytes + size else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Self.prefixBytes)
        // Cannot fail: `size` readable bytes were checked above.
        guard let frame = buffer.readSlice(length: size) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if seenEOF && buffer.readableBytes > 0 {
            throw KafkaFrameError.truncatedFrame(bufferedBytes: buffer.readableBytes, declaredSize: try declaredSize(in: buffer))
        }
        return .needMoreData
    }

    /// The payload size the next frame declares, validated, or nil while fewer than 4 bytes are buffered.
    /// Does not move the reader index.
    func declaredSize(in buffer: ByteBuffer) throws -> Int? {
        guard let prefix = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
        let size = Int(prefix)
        if size < 0 { throw KafkaFrameError.negativeSize(size) }
        let limit = currentLimit?() ?? maxFrameBytes
        if size > limit { throw KafkaFrameError.frameTooLarge(size: size, limit: limit) }
        return size
    }
}
