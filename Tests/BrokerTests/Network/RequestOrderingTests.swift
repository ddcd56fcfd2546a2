import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Broker

/// Echoes each request's first byte after a delay that is longest for the first request, so answers written as
/// soon as they are ready would come out of order.
private struct SlowEchoProcessor: RequestProcessor {
    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction {
        let id = frame.getInteger(at: frame.readerIndex, as: UInt8.self) ?? 0
        if id == 0xFF { return .close(reason: "test asked to close") }
        if id == 0xFE { return .noResponse }
        try? await Task.sleep(for: .milliseconds(id == 0 ? 50 : 1))
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(id)
        return .send(ResponseFrame(buffer: buffer, regions: []))
    }
}

@Suite struct RequestOrderingTests {
    /// Runs a real loopback server with the Kafka pipeline and a client that sends `frames` back to back.
    private func exchange(_ payloads: [[UInt8]], expectingBytes count: Int) async throws -> [UInt8] {
        let group = MultiThreadedEventLoopGroup.singleton
        let logger = Logger(label: "test")
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addKafkaRequestFraming(logger: logger)
                    try channel.pipeline.syncOperations.addHandler(
                        KafkaConnectionHandler(
                            processor: SlowEchoProcessor(), listenerName: "PLAINTEXT", queuedRequests: QueuedRequestLimit(),
                            logger: logger))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let collector = ResponseCollector()
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        var out = ByteBuffer()
        for payload in payloads {
            out.writeInteger(Int32(payload.count))
            out.writeBytes(payload)
        }
        try await client.writeAndFlush(out)
        let deadline = ContinuousClock.now + .seconds(30)
        while collector.bytes.count < count, ContinuousClock.now < deadline, client.isActive {
            try await Task.sleep(for: .milliseconds(5))
        }
        try? await client.close()
        try? await server.close()
        return collector.bytes
    }

    @Test func responsesComeBackInRequestOrder() async throws {
        let ids: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
        let bytes = try await exchange(ids.map { [$0, 0xAA] }, expectingBytes: ids.count * 5)
        let answered = stride(from: 4, to: bytes.count, by: 5).map { bytes[$0] }
        #expect(answered == ids)
    }

    @Test func requestsWithoutResponseAreSkippedAndOrderKept() async throws {
        let bytes = try await exchange([[0], [0xFE], [2]], expectingBytes: 10)
        #expect(bytes == [0, 0, 0, 1, 0, 0, 0, 0, 1, 2])
    }

    @Test func closeDropsTheConnectionAfterEarlierAnswers() async throws {
        let bytes = try await exchange([[1], [0xFF], [3]], expectingBytes: 100)
        #expect(bytes == [0, 0, 0, 1, 1])
    }
}
