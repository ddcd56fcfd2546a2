import GregorTestSupport
import KafkaProtocol
import Storage
import Synchronization
import Testing

@testable import Broker

/// An ISR store in memory: records the writes and notifications, answers with the next zkVersion, or with a
/// conflict when told to.
final class RecordingIsrStore: IsrStateStore {
    struct Recorded {
        var writes: [(TopicPartition, IsrChange)] = []
        var notifications: [[TopicPartition]] = []
        var conflict = false
    }

    let recorded = Mutex(Recorded())

    func write(_ change: IsrChange, for topicPartition: TopicPartition) async throws -> Int32? {
        recorded.withLock { recorded in
            recorded.writes.append((topicPartition, change))
            return recorded.conflict ? nil : change.zkVersion + 1
        }
    }

    func propagate(_ topicPartitions: [TopicPartition]) async throws {
        recorded.withLock { $0.notifications.append(topicPartitions) }
    }

    var writtenIsrs: [[Int32]] { recorded.withLock { $0.writes.map(\.1.isr) } }
    var notifications: [[TopicPartition]] { recorded.withLock { $0.notifications } }
}

/// The leader's ISR maintenance in one `ReplicaManager` (broker 1), with a hand-moved clock and an in-memory store.
@Suite struct IsrMaintenanceTests {
    let tp = TopicPartition(topic: "orders", partition: 0)
    static let lagMs: Int64 = 2000

    static func make(minInsyncReplicas: Int = 1) async throws -> (ReplicaManagerFixture, RecordingIsrStore) {
        let store = RecordingIsrStore()
        var configuration = ReplicaManager.Configuration(brokerId: 1, minInsyncReplicas: minInsyncReplicas)
        configuration.replicaLagTimeMaxMs = lagMs
        return (try await ReplicaManagerFixture.make(configuration: configuration, isrStore: store), store)
    }

    @Test func aFollowerThatStopsFetchingLeavesTheIsrAfterTheMaxLag() async throws {
        let (fixture, store) = try await Self.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2, 3], zkVersion: 4)
        let manager = fixture.replicaManager
        _ = await manager.appendRecords(requiredAcks: 1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["a"]))])
        _ = await fixture.followerFetch(tp, replicaId: 2, offset: 1)
        fixture.clock.advance(byMs: Self.lagMs)
        await manager.maybeShrinkIsrs()
        #expect(store.writtenIsrs.isEmpty)

        fixture.clock.advance(byMs: 1)
        _ = await fixture.followerFetch(tp, replicaId: 2, offset: 1)
        await manager.maybeShrinkIsrs()
        #expect(store.writtenIsrs == [[1, 2]])
        #expect(store.recorded.withLock { $0.writes.first?.1.zkVersion } == 4)
        #expect(store.notifications == [[tp]])
        let state = try #require(manager.partition(tp)).leaderState
        #expect(state.isr == [1, 2])
        #expect(state.zkVersion == 5)
        // Without broker 3, broker 2's fetch at 1 is the high watermark.
        #expect(manager.partition(tp)?.highWatermark == 1)
    }

    @Test func aFollowerReachingTheHighWatermarkRejoinsTheIsr() async throws {
        let (fixture, store) = try await Self.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2], replicas: [1, 2, 3])
        let manager = fixture.replicaManager
        _ = await manager.appendRecords(requiredAcks: 1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["a", "b"]))])
        _ = await fixture.followerFetch(tp, replicaId: 2, offset: 2)
        #expect(manager.partition(tp)?.highWatermark == 2)
        _ = await fixture.followerFetch(tp, replicaId: 3, offset: 1)
        #expect(manager.partition(tp)?.replicationState.pendingIsrChange == nil)
        _ = await fixture.followerFetch(tp, replicaId: 3, offset: 2)
        #expect(manager.partition(tp)?.replicationState.maximalIsr == [1, 2, 3])

        // The writer task takes what the fetch path proposed.
        let writer = Task { await manager.runIsrChangeWriter() }
        defer { writer.cancel() }
        try await eventually(timeout: .seconds(60), "broker 3 back in the ISR") {
            manager.partition(tp)?.leaderState.isr == [1, 2, 3]
        }
        #expect(store.writtenIsrs == [[1, 2, 3]])
        #expect(store.notifications == [[tp]])
    }

    @Test func aConflictingWriteLeavesTheIsrToTheController() async throws {
        let (fixture, store) = try await Self.make()
        defer { fixture.cleanUp() }
        store.recorded.withLock { $0.conflict = true }
        try await fixture.lead(tp, isr: [1, 2])
        fixture.clock.advance(byMs: Self.lagMs + 1)
        await fixture.replicaManager.maybeShrinkIsrs()
        #expect(store.writtenIsrs == [[1]])
        #expect(store.notifications.isEmpty)
        let partition = try #require(fixture.replicaManager.partition(tp))
        #expect(partition.leaderState.isr == [1, 2])
        // Nothing stays pending: the next check tries again.
        #expect(partition.replicationState.pendingIsrChange == nil)
    }

    @Test func anIsrShrinkingBelowMinInsyncFailsAParkedAcksAllProduceAfterAppend() async throws {
        let (fixture, _) = try await Self.make(minInsyncReplicas: 2)
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2])
        let manager = fixture.replicaManager
        let tp = self.tp
        async let produced = manager.appendRecords(
            requiredAcks: -1, timeout: .seconds(600), entries: [(tp, ReplicaManagerFixture.batch(["a"]))])
        try await eventually(timeout: .seconds(60), "the append") { manager.partition(tp)?.log.logEndOffset == 1 }
        fixture.clock.advance(byMs: Self.lagMs + 1)
        await manager.maybeShrinkIsrs()
        #expect(await produced[tp]?.errorCode == .notEnoughReplicasAfterAppend)
        // The next acks=all produce is refused before it is written.
        let refused = await manager.appendRecords(
            requiredAcks: -1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["b"]))])
        #expect(refused[tp]?.errorCode == .notEnoughReplicas)
    }
}
