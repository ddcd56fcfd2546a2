import NIOCore
import Testing

@testable import Broker

/// Shutdown in two steps: `stopProcessingRequests` closes the listeners and the connections and cancels the
/// requests in progress while the event loops still run; `shutdown` stops the loops after those requests ended.
@Suite struct SocketServerShutdownTests {
    @Test func stopProcessingRequestsClosesConnectionsAndCancelsTheirRequests() async throws {
        let processor = GatedProcessor()
        let broker = try await LoopbackBroker.start(processor: processor)
        let client = try await broker.connect()
        try await client.send([[1]])
        #expect(await eventually { processor.started == 1 })
        #expect(broker.queuedRequests.queued == 1)

        await broker.server.stopProcessingRequests()
        #expect(await eventually { !client.channel.isActive }, "the connection is closed by the broker")
        #expect(await broker.queuedRequests.waitUntilIdle(timeout: .seconds(10)), "the request ends and gives back its place")
        #expect(processor.cancelled == 1)
        #expect(processor.answered == 0)
        await #expect(throws: (any Error).self, "the listener is closed") { _ = try await broker.connect() }
        await broker.stop()
    }

    @Test func waitUntilIdleTimesOutWhileARequestRuns() async throws {
        let limit = QueuedRequestLimit(maxQueued: 2)
        #expect(await limit.waitUntilIdle(timeout: .zero))
        #expect(limit.tryAdd())
        #expect(!(await limit.waitUntilIdle(timeout: .milliseconds(50))))
        Task {
            try await Task.sleep(for: .milliseconds(20))
            limit.remove()
        }
        #expect(await limit.waitUntilIdle(timeout: .seconds(10)))
    }
}
