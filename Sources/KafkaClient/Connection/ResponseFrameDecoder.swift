import NIOCore

/// Splits a client connection's inbound bytes into response frames: an int32 big-endian `size`, then `size` bytes,
/// emitted without the prefix as a slice of the cumulation buffer (no copy).
///
/// The size is checked on its 4 bytes alone, before any payload is buffered: a negative size or one above
/// `maxFrameBytes` throws `KafkaClientError.responseTooLarge`, which ends the connection. (The broker's
/// `KafkaFrameDecoder` does the same for requests with its own error type; the client cannot depend on the
/// broker module.) A partial frame at end of stream is dropped: its request fails with `connectionClosed`.
///
/// Not thread-safe: one instance per connection, used on that channel's event loop.
struct ResponseFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    private static let prefixBytes = 4

    let maxFrameBytes: Int

    init(maxFrameBytes: Int) {
        precondition(maxFrameBytes >= 0, "maxFrameBytes must not be negative")
        self.maxFrameBytes = maxFrameBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let prefix = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        let size = Int(prefix)
        guard size >= 0, size <= maxFrameBytes else {
            throw KafkaClientError.responseTooLarge(size: size, limit: maxFrameBytes)
        }
        guard buffer.readableBytes >= Self.prefixBytes + size else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Self.prefixBytes)
        guard let frame = buffer.readSlice(length: size) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
