import NIOCore
import Testing

@testable import Broker

/// `socket.request.max.bytes`, `connections.max.idle.ms`, `socket.send.buffer.bytes` and
/// `socket.receive.buffer.bytes` on a real loopback connection.
@Suite struct SocketLimitsTests {
    @Test func aSizePrefixOverTheLimitClosesTheConnectionBeforeTheBodyIsRead() async throws {
        let processor = GatedProcessor(open: true)
        let broker = try await LoopbackBroker.start(processor: processor, maxFrameBytes: 1024)
        let client = try await broker.connect()
        try await client.send([[UInt8](repeating: 0, count: 1024)])
        #expect(await eventually { client.received.bytes == 5 })
        var prefix = ByteBuffer()
        prefix.writeInteger(Int32(1025))
        try await client.channel.writeAndFlush(prefix)
        #expect(await client.closedByServer())
        #expect(processor.started == 1)
        await broker.stop()
    }

    @Test func anIdleConnectionIsClosedAndABusyOneIsNot() async throws {
        let broker = try await LoopbackBroker.start(processor: GatedProcessor(open: true), maxIdle: .seconds(2))
        let idle = try await broker.connect()
        let busy = try await broker.connect()
        var answers = 0
        // Keep `busy` active until `idle` is gone: it talks every 20 ms, far inside the 2 s limit even on a loaded machine.
        while idle.channel.isActive, answers < 10_000 {
            try await busy.send([[1]])
            answers += 1
            #expect(await eventually { busy.received.bytes == answers * 5 })
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await idle.closedByServer())
        #expect(busy.channel.isActive)
        await broker.stop()
    }

    @Test func socketBufferSizesAreApplied() async throws {
        var configuration = SocketServer.Configuration()
        configuration.sendBufferBytes = 150_000
        configuration.receiveBufferBytes = 200_000
        let broker = try await LoopbackBroker.start(processor: GatedProcessor(open: true), configuration: configuration)
        _ = try await broker.connect()
        #expect(await eventually { broker.accepted.all.count == 1 })
        let server = try #require(broker.accepted.all.first)
        // Linux doubles the value asked for (bookkeeping overhead); the OS defaults are far smaller.
        #expect(try await server.getOption(.socketOption(.so_sndbuf)).get() >= 150_000)
        #expect(try await server.getOption(.socketOption(.so_rcvbuf)).get() >= 200_000)
        await broker.stop()
    }
}
