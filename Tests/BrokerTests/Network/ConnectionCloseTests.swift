import KafkaProtocol
import NIOCore
import Synchronization
import Testing

@testable import Broker

/// A connection that closes takes its work with it: the request being processed is cancelled, queued ones are
/// dropped, and their places in `queued.max.requests` are given back.
@Suite struct ConnectionCloseTests {
    @Test func closingCancelsTheRequestInFlightAndDropsQueuedOnes() async throws {
        let processor = GatedProcessor()
        let broker = try await LoopbackBroker.start(processor: processor)
        let client = try await broker.connect()
        try await client.send([[1], [2], [3]])
        #expect(await eventually { processor.started == 1 && broker.queuedRequests.queued == 1 })
        try await client.channel.close()
        #expect(await eventually { processor.cancelled == 1 })
        #expect(await eventually { broker.queuedRequests.queued == 0 })
        #expect(processor.started == 1)
        await broker.stop()
    }

    @Test func aParkedFetchOfAClosedConnectionEnds() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let tp = TopicPartition(topic: "t", partition: 0)
        try await fixture.lead(tp)
        let processor = ParkedFetchProcessor(replicaManager: fixture.replicaManager, topicPartition: tp)
        let broker = try await LoopbackBroker.start(processor: processor)
        let client = try await broker.connect()
        try await client.send([[1]])
        #expect(await eventually { processor.state.withLock { $0.parked } })
        try await client.channel.close()
        // Nothing is ever appended and the fetch may wait ten minutes: only cancellation ends it.
        #expect(await eventually { processor.state.withLock { $0.returned } })
        await broker.stop()
    }
}

/// Runs a consumer fetch of an empty partition that waits for one byte for up to ten minutes.
private final class ParkedFetchProcessor: RequestProcessor {
    struct State {
        var parked = false
        var returned = false
    }

    let state = Mutex(State())
    let replicaManager: ReplicaManager
    let topicPartition: TopicPartition

    init(replicaManager: ReplicaManager, topicPartition: TopicPartition) {
        self.replicaManager = replicaManager
        self.topicPartition = topicPartition
    }

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction {
        state.withLock { $0.parked = true }
        _ = await replicaManager.fetchMessages(
            FetchParameters(replicaId: -1, maxWait: .seconds(600), minBytes: 1, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: topicPartition, fetchOffset: 0, maxBytes: 1 << 20)])
        state.withLock { $0.returned = true }
        return .noResponse
    }
}
