import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a connection's inbound bytes into Kafka frames (requests on a broker, responses on a client): an int32
/// big-endian `size`, then `size` bytes. Each frame goes on as one `ByteBuffer` holding the payload without the
/// prefix.
///
/// Every payload byte is copied at most once, as Kafka's `NetworkReceive` reads into one buffer of the declared
/// size: a frame that arrives whole inside one socket read is passed on as a slice of that read (no copy); a frame
/// spread over several reads is copied into one buffer allocated at its declared size as soon as the prefix is known
/// (the pages are only touched as bytes arrive), so a 1 MB produce request costs one copy and no reallocation.
/// (NIO's `ByteToMessageHandler` would append every read to a growing cumulation buffer and move the leftover to the
/// front after each frame: two to three copies of every large request.) Channels read with
/// `receiveBufferAllocator`, whose reads grow to 4 MiB, so that most large frames arrive whole. A frame under 1/8 of
/// its read's buffer is copied out instead of sliced: a small request then never keeps a large buffer alive while
/// it waits (a parked acks=all produce, say).
///
/// Size check (Kafka's `NetworkReceive.readFrom`): the prefix is validated as soon as its 4 bytes are in, before
/// any payload is waited for. A negative size is `KafkaFrameError.negativeSize`, one above the limit
/// (`socket.request.max.bytes` on a broker) `KafkaFrameError.frameTooLarge`: the error goes down the pipeline
/// (`fireErrorCaught`) and every later byte on the connection is dropped; the next handler closes the connection
/// (the broker's `KafkaFrameErrorHandler`, the client's `RequestMultiplexer`). A size of 0 is accepted, as
/// `NetworkReceive` does ("may be 0 for some payloads (SASL)"): the empty frame goes on and the request header
/// parser rejects it. When the input ends (the channel closes, or half-closes) with a partial frame,
/// `KafkaFrameError.truncatedFrame` goes down the pipeline.
///
/// Reads that wake for nothing: a large frame arrives over loopback or a LAN in 64 KiB segments, and each wakes the
/// event loop, which can do nothing with part of a frame. With `waitsForWholeFrames` (plain TCP only), while a frame
/// of which at least `lowWatermarkMinimum` bytes are still missing is being filled, the channel's receive low-water
/// mark (`SO_RCVLOWAT`) is that many bytes, and it is 1 otherwise: the loop wakes once when the rest is in (the kernel
/// caps the mark at half the receive buffer and still wakes a reader whose window is closing, so a frame larger than
/// the buffer arrives in a few wakes, never stalls). RF=3 acks=all, 1 KiB records: a follower woke about nine times
/// per 1 MB Fetch answer before. Not under TLS: the TLS handler may hold a partial record, so the bytes still to
/// arrive on the socket can be fewer than the plaintext missing, and the mark would never be reached. While the mark
/// holds, bytes of the frame that arrive do not count as reads for an idle timeout (`connections.max.idle.ms`): only a
/// client that takes longer than that timeout to send the rest of one large frame is closed as idle.
///
/// It parses bytes and knows no sockets beyond those two channel options; `Broker`'s `addKafkaRequestFraming` and
/// `KafkaClient`'s connection put it in their pipelines. One instance per connection, used on that channel's event
/// loop only.
public final class KafkaFrameDecoder: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    /// Kafka's default `socket.request.max.bytes` (100 MiB).
    public static let defaultMaxFrameBytes = 104_857_600

    /// The read sizes for a channel this decoder frames (`ChannelOptions.recvAllocator`): NIO's adaptive sizes,
    /// growing while reads fill the buffer, up to 4 MiB instead of NIO's 64 KiB. With 64 KiB reads every 1 MB produce
    /// request or Fetch response is assembled from 16 pieces and copied; with larger reads most arrive whole and go
    /// on uncopied (1 KiB produce, one broker, alternating runs: 10% less broker CPU per GB, one read per request
    /// instead of 16). A connection that never sends large frames keeps small reads.
    public static func receiveBufferAllocator() -> AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 4 << 20)
    }

    private static let prefixBytes = 4

    /// A whole frame under `capacity / smallFrameDivisor` of its read's buffer is copied out rather than sliced.
    private static let smallFrameDivisor = 8

    /// The largest payload accepted (`socket.request.max.bytes`), prefix not included.
    public let maxFrameBytes: Int

    /// When set, the limit in force for the next frame, asked each time (a SASL listener accepts only
    /// `sasl.server.max.receive.size` until the client has authenticated); `maxFrameBytes` otherwise.
    private let currentLimit: (() -> Int)?

    /// Bytes of a size prefix split across reads (at most 3 wait here).
    private var prefix: UInt32 = 0
    private var prefixCount = 0
    /// The frame being filled: allocated at its declared size, `missing` bytes still to come.
    private var partial: ByteBuffer?
    private var declared = 0
    private var missing = 0
    /// After a size error nothing more is parsed (the connection is being closed).
    private var failed = false

    /// The smallest number of missing bytes for which the receive low-water mark is raised: below it one more wake
    /// costs less than the two `setsockopt` calls.
    public static let lowWatermarkMinimum = 64 * 1024
    /// Whether to set the receive low-water mark (see above); cleared if the channel refuses the option.
    private var waitsForWholeFrames: Bool
    /// The low-water mark last set on the channel (1 is the kernel's default).
    private var lowWatermark = 1

    /// - Parameter waitsForWholeFrames: set the receive low-water mark while a large frame is filled; only when the
    ///   channel is a plain TCP socket, with no TLS handler before this decoder.
    public init(
        maxFrameBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes, currentLimit: (() -> Int)? = nil,
        waitsForWholeFrames: Bool = false
    ) {
        precondition(maxFrameBytes >= 0, "socket.request.max.bytes must not be negative")
        self.maxFrameBytes = maxFrameBytes
        self.currentLimit = currentLimit
        self.waitsForWholeFrames = waitsForWholeFrames
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var input = unwrapInboundIn(data)
        do {
            while input.readableBytes > 0, !failed {
                if let frame = fill(from: &input) {
                    context.fireChannelRead(wrapInboundOut(frame))
                    continue
                }
                guard partial == nil else { break }
                guard let size = try readPrefix(from: &input) else { break }
                if input.readableBytes >= size, let frame = input.readSlice(length: size) {
                    // The whole frame is in this read: pass it on without copying, unless it is small beside the
                    // read's buffer, which the slice would keep alive.
                    if size < input.capacity / Self.smallFrameDivisor {
                        context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(buffer: frame)))
                    } else {
                        context.fireChannelRead(wrapInboundOut(frame))
                    }
                } else {
                    partial = context.channel.allocator.buffer(capacity: size)
                    declared = size
                    missing = size
                }
            }
            if waitsForWholeFrames, !failed { setLowWatermark(context: context) }
        } catch {
            failed = true
            partial = nil
            context.fireErrorCaught(error)
        }
    }

    /// Wake when the frame being filled is complete, or for any byte when none is (or only a little of it is missing).
    private func setLowWatermark(context: ChannelHandlerContext) {
        let wanted = partial != nil && missing >= Self.lowWatermarkMinimum ? missing : 1
        guard wanted != lowWatermark else { return }
        do {
            try context.channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_rcvlowat), value: wanted)
            lowWatermark = wanted
        } catch {
            waitsForWholeFrames = false
        }
    }

    /// Copies what `input` holds of the frame being filled; returns the frame once complete.
    private func fill(from input: inout ByteBuffer) -> ByteBuffer? {
        guard var frame = partial else { return nil }
        // Released first so that the write below appends in place instead of copying a shared buffer.
        partial = nil
        let count = min(missing, input.readableBytes)
        if var chunk = input.readSlice(length: count) {
            frame.writeBuffer(&chunk)
            missing -= count
        }
        if missing == 0 { return frame }
        partial = frame
        return nil
    }

    /// Completes the size prefix from `input` and validates it; nil while fewer than 4 bytes have arrived.
    private func readPrefix(from input: inout ByteBuffer) throws -> Int? {
        if prefixCount == 0, let whole = input.readInteger(as: UInt32.self) {
            return try validate(whole)
        }
        while prefixCount < Self.prefixBytes, let byte = input.readInteger(as: UInt8.self) {
            prefix = prefix << 8 | UInt32(byte)
            prefixCount += 1
        }
        guard prefixCount == Self.prefixBytes else { return nil }
        let value = prefix
        prefix = 0
        prefixCount = 0
        return try validate(value)
    }

    private func validate(_ prefix: UInt32) throws -> Int {
        let size = Int(Int32(bitPattern: prefix))
        if size < 0 { throw KafkaFrameError.negativeSize(size) }
        let limit = currentLimit?() ?? maxFrameBytes
        if size > limit { throw KafkaFrameError.frameTooLarge(size: size, limit: limit) }
        return size
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { reportTruncation(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        reportTruncation(context: context)
        context.fireChannelInactive()
    }

    /// The input ended: a partial frame (or prefix) left means the peer went away mid-frame.
    private func reportTruncation(context: ChannelHandlerContext) {
        guard !failed else { return }
        let error: KafkaFrameError
        if partial != nil {
            error = .truncatedFrame(bufferedBytes: Self.prefixBytes + declared - missing, declaredSize: declared)
        } else if prefixCount > 0 {
            error = .truncatedFrame(bufferedBytes: prefixCount, declaredSize: nil)
        } else {
            return
        }
        failed = true
        partial = nil
        context.fireErrorCaught(error)
    }
}

extension NIOBSDSocket.Option {
    /// `SO_RCVLOWAT`: the bytes a socket must hold before a read wakes (NIO has no name for it).
    static let so_rcvlowat = NIOBSDSocket.Option(rawValue: SO_RCVLOWAT)
}
