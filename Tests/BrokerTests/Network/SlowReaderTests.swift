import NIOCore
import Testing

@testable import Broker

/// A client that pipelines requests and never reads its answers must not grow the broker's outbound buffer: once
/// the channel is not writable the broker neither starts the next request nor reads more.
@Suite struct SlowReaderTests {
    static let answerBytes = 256 * 1024
    static let requests = 40

    @Test func aClientThatNeverReadsGetsOneAnswerBufferedAndIsNotReadFurther() async throws {
        let processor = GatedProcessor(open: true, answerBytes: Self.answerBytes)
        var configuration = SocketServer.Configuration()
        // Small kernel buffers, so what the broker keeps in memory is what the test sees.
        configuration.sendBufferBytes = 8192
        let broker = try await LoopbackBroker.start(processor: processor, configuration: configuration)
        let client = try await broker.connect(autoRead: false, receiveBufferBytes: 8192)
        // Frames larger than one socket read, so reading stops between frames.
        let frame = [UInt8](repeating: 1, count: 128 * 1024)
        client.sendWithoutWaiting(Array(repeating: frame, count: Self.requests))

        let answered = await settled { processor.answered }
        let server = try #require(broker.accepted.all.first)
        let buffered = try await server.getOption(.bufferedWritableBytes).get()
        // One answer in flight (plus what the water mark lets through before it trips), not forty.
        #expect(answered <= 2)
        #expect(buffered <= 2 * (Self.answerBytes + 4))
        #expect(!server.isWritable)
        #expect(await eventually { broker.queuedRequests.queued == 0 }, "an answer the client does not read holds no place")

        // The client reads again: everything is answered.
        try await client.channel.setOption(.autoRead, value: true).get()
        client.channel.read()
        #expect(await eventually { client.received.bytes == Self.requests * (Self.answerBytes + 4) })
        #expect(processor.answered == Self.requests)
        try await client.channel.close()
        await broker.stop()
    }
}
