import Synchronization
import Testing

@testable import Broker

/// `queued.max.requests`: a broker-wide bound on requests being processed; at the limit no connection starts one,
/// and they start when requests finish.
@Suite struct QueuedRequestLimitTests {
    @Test func atTheLimitNoConnectionReadsUntilRequestsFinish() async throws {
        let processor = GatedProcessor()
        let broker = try await LoopbackBroker.start(processor: processor, queuedRequests: QueuedRequestLimit(maxQueued: 2))
        let first = try await broker.connect()
        let second = try await broker.connect()
        try await first.send([[1]])
        try await second.send([[2]])
        #expect(await eventually { processor.started == 2 })
        #expect(broker.queuedRequests.isFull)

        // Both requests are still in progress: a third connection's request waits for a place.
        let third = try await broker.connect()
        try await third.send([[3]])
        #expect(await eventually { broker.queuedRequests.waitingConnections >= 1 })
        #expect(await settled { processor.started } == 2)
        #expect(broker.queuedRequests.queued == 2)

        processor.open()
        #expect(await eventually { processor.answered == 3 })
        #expect(await eventually { third.received.bytes == 5 })
        #expect(await eventually { broker.queuedRequests.queued == 0 })
        await broker.stop()
    }

    @Test func connectionsWhoseClientsStopReadingHoldNoPlaces() async throws {
        let processor = GatedProcessor(open: true, answerBytes: 256 * 1024)
        var configuration = SocketServer.Configuration()
        configuration.sendBufferBytes = 8192
        let broker = try await LoopbackBroker.start(
            processor: processor, configuration: configuration, queuedRequests: QueuedRequestLimit(maxQueued: 2))
        // Three clients pipeline big requests and never read their (big) answers.
        var stalled: [LoopbackClient] = []
        for _ in 0..<3 {
            let client = try await broker.connect(autoRead: false, receiveBufferBytes: 8192)
            client.sendWithoutWaiting(Array(repeating: [UInt8](repeating: 1, count: 128 * 1024), count: 10))
            stalled.append(client)
        }
        let answered = await settled { processor.answered }
        #expect(answered < 30)
        #expect(await eventually { broker.queuedRequests.queued == 0 }, "answers nobody reads hold no places")
        // A client that reads is served.
        let reader = try await broker.connect()
        try await reader.send([[9]])
        #expect(await eventually { reader.received.bytes > 0 })
        for client in stalled { try await client.channel.close() }
        await broker.stop()
    }

    @Test func countsAndWakesOnce() {
        let limit = QueuedRequestLimit(maxQueued: 1)
        #expect(limit.waitForRoom { Issue.record("woken with room to spare") } == nil)
        #expect(limit.tryAdd())
        let woken = WakeCounter()
        let id = limit.waitForRoom { woken.wake() }
        #expect(id != nil)
        #expect(limit.waitingConnections == 1)
        limit.remove()
        #expect(woken.count == 1)
        #expect(limit.waitingConnections == 0)
        #expect(limit.tryAdd())
        let cancelled = limit.waitForRoom { Issue.record("a cancelled waiter was woken") }
        limit.cancelWait(try! #require(cancelled))
        limit.remove()
        #expect(limit.queued == 0)
    }
}

private final class WakeCounter: Sendable {
    private let counter = Mutex(0)
    var count: Int { counter.withLock { $0 } }
    func wake() { counter.withLock { $0 += 1 } }
}
