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

    /// `busy` talks every 20 ms. On a machine loaded enough to stall it past the limit (CI runs many suites at once
    /// on two cores), closing it is what Kafka does too: the assertion on `busy` holds when no gap between its
    /// requests reached half the limit, counting the time up to when its state is read (waiting for `idle` to close
    /// may itself take seconds there).
    @Test func anIdleConnectionIsClosedAndABusyOneIsNot() async throws {
        let maxIdle = Duration.seconds(2)
        let broker = try await LoopbackBroker.start(processor: GatedProcessor(open: true), maxIdle: .seconds(2))
        let idle = try await broker.connect()
        let clock = ContinuousClock()
        // The broker's idle clock starts when it accepts `busy`, before `connect` returns here (maybe seconds later).
        var lastSent = clock.now
        let busy = try await broker.connect()
        var answers = 0
        var longestGap = Duration.zero
        // Keep `busy` active until `idle` is gone.
        while idle.channel.isActive, busy.channel.isActive, answers < 10_000 {
            guard (try? await busy.send([[1]])) != nil else { break }
            longestGap = max(longestGap, lastSent.duration(to: clock.now))
            lastSent = clock.now
            answers += 1
            #expect(await eventually { busy.received.bytes == answers * 5 || !busy.channel.isActive })
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await idle.closedByServer())
        let busyActive = busy.channel.isActive
        longestGap = max(longestGap, lastSent.duration(to: clock.now))
        if longestGap < maxIdle / 2 {
            #expect(busyActive, "closed although it talked at least every \(longestGap)")
        }
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
