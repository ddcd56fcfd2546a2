import GregorTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

@Suite struct KafkaConnectionHandlerTests {
    @Test func frameErrorLogsOneLineWithPeerAndClosesTheConnection() throws {
        let capture = LogCapture()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addKafkaRequestFraming(maxFrameBytes: 16, logger: capture.logger())
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 40_000)).wait()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 17]))
        #expect(!channel.isActive)
        // Bytes still arriving on the closing channel add no log line.
        _ = try? channel.writeInbound(ByteBuffer(bytes: [1, 2, 3]))
        #expect(capture.lines.count == 1)
        let line = try #require(capture.lines.first)
        #expect(line.level == .warning)
        #expect(line.message.contains("192.0.2.7"))
        #expect(line.message.contains("Invalid receive (size = 17 larger than 16)"))
    }

    @Test func framesPassThroughTheErrorHandler() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addKafkaRequestFraming(logger: LogCapture().logger())
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.9", port: 40_002)).wait()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 2, 9, 8]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [9, 8]))
        #expect(channel.isActive)
        #expect(try channel.finish().isClean)
    }

    @Test func idleEventClosesTheConnectionAndLogsAtDebug() throws {
        let capture = LogCapture()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(IdleConnectionHandler(maxIdle: .milliseconds(600_000), logger: capture.logger()))
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.8", port: 40_001)).wait()
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(channel.isActive)
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
        #expect(!channel.isActive)
        #expect(capture.lines.map(\.level) == [.debug])
        #expect(capture.lines.first?.message.contains("idle for 600000 millis") == true)
    }
}
