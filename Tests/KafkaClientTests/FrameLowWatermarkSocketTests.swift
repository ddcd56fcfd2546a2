import Glibc
import KafkaProtocol
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// `KafkaFrameDecoder`'s receive low-water mark on real loopback sockets: the kernel takes it, and frames arrive
/// whole however they are sent, including frames far larger than the receive buffer (the kernel caps the mark),
/// and a frame whose last bytes come late.
@Suite(.timeLimit(.minutes(1)))  // a frame the mark stalls fails the test instead of hanging the run
struct FrameLowWatermarkSocketTests {
    private static let rcvlowat = ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_RCVLOWAT))

    /// Collects the frames a server-side decoder passes on, and the child channel.
    private final class FrameCollector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let frames: AsyncStream<ByteBuffer>
        private let continuation: AsyncStream<ByteBuffer>.Continuation
        private let child = Mutex<(any Channel)?>(nil)
        init() { (frames, continuation) = AsyncStream.makeStream() }
        var channel: (any Channel)? { child.withLock { $0 } }
        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            child.withLock { $0 = channel }
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { continuation.yield(unwrapInboundIn(data)) }
    }

    /// A frame of `size` bytes, each `size % 251` (cheap to build and compare: these tests share the machine).
    private func frame(_ size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(size))
        buffer.writeRepeatingByte(UInt8(size % 251), count: size)
        return buffer
    }

    /// A server whose decoder waits for whole frames (receive buffer `rcvbuf` bytes when given) and a raw client.
    private func pair(
        rcvbuf: Int?
    ) async throws -> (server: any Channel, client: any Channel, collector: FrameCollector) {
        let collector = FrameCollector()
        var bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.recvAllocator, value: KafkaFrameDecoder.receiveBufferAllocator())
        if let rcvbuf { bootstrap = bootstrap.childChannelOption(.socketOption(.so_rcvbuf), value: rcvbuf) }
        let server = try await bootstrap.childChannelInitializer { channel in
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(KafkaFrameDecoder(waitsForWholeFrames: true))
                try channel.pipeline.syncOperations.addHandler(collector)
            }
        }.bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(to: try #require(server.localAddress)).get()
        return (server, client, collector)
    }

    @Test(arguments: [nil, 64 * 1024])
    func largeFramesArriveWholeWithoutStalling(rcvbuf: Int?) async throws {
        let (server, client, collector) = try await pair(rcvbuf: rcvbuf)
        let sizes = [3_000_000, 10, 150_000, 8_000_000, 70_000]
        for size in sizes { try await client.writeAndFlush(frame(size)) }
        var received: [Int] = []
        for await frame in collector.frames {
            #expect(frame == self.frame(frame.readableBytes).getSlice(at: 4, length: frame.readableBytes))
            received.append(frame.readableBytes)
            if received.count == sizes.count { break }
        }
        #expect(received == sizes)
        try await client.close()
        try await server.close()
    }

    @Test func theKernelHoldsTheMarkUntilTheFrameIsComplete() async throws {
        let (server, client, collector) = try await pair(rcvbuf: nil)
        var whole = frame(1_000_000)
        let head = whole.readSlice(length: 4 + 200_000)!
        try await client.writeAndFlush(head)
        // Wait until the server has read the first part and set the mark.
        var mark = 1
        for _ in 0..<500 {
            if let channel = collector.channel { mark = try await channel.getOption(Self.rcvlowat).get() }
            if mark != 1 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        // The bytes still missing when the first part was read: at least the 800,000 not yet sent (and the server
        // may have read before all of the first 200,000 were in; those that came later did not wake it).
        #expect((800_000..<1_000_000).contains(mark))
        // The rest comes late, and the frame still arrives.
        try await Task.sleep(for: .milliseconds(100))
        try await client.writeAndFlush(whole)
        var iterator = collector.frames.makeAsyncIterator()
        let received = try #require(await iterator.next())
        #expect(received.readableBytes == 1_000_000)
        #expect(try await #require(collector.channel).getOption(Self.rcvlowat).get() == 1)
        try await client.close()
        try await server.close()
    }
}
