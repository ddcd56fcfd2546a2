import Coordination
import KafkaProtocol
import NIOCore
import GregorTestSupport
import Storage
import Testing

@testable import Broker

/// The leader's side of replication in one `ReplicaManager` (broker 1): follower fetches move the high watermark,
/// which releases consumers and acks=all produces.
@Suite struct ReplicationTests {
    let tp = TopicPartition(topic: "orders", partition: 0)

    @Test func acksAllWaitsUntilEveryIsrMemberHasFetchedTheRecords() async throws {
        let fixture = try await ReplicaManagerFixture.make(configuration: .init(brokerId: 1, minInsyncReplicas: 2))
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2, 3])
        let manager = fixture.replicaManager
        let tp = self.tp
        async let produced = manager.appendRecords(
            requiredAcks: -1, timeout: .seconds(600), entries: [(tp, ReplicaManagerFixture.batch(["a", "b", "c"]))])

        // Broker 2 fetches the batch, then asks for what follows: it has offsets 0-2.
        try await eventuallyFetches(fixture, replicaId: 2, offset: 0) { $0.bytes > 0 }
        _ = await fixture.followerFetch(tp, replicaId: 2, offset: 3)
        #expect(manager.partition(tp)?.highWatermark == 0)
        // A consumer sees nothing while broker 3 lags.
        let consumer = manager.readFromLocalLog(
            FetchParameters(replicaId: -1, maxWait: .zero, minBytes: 0, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 1 << 20)])
        #expect(consumer.first?.bytes == 0)

        let answer = await fixture.followerFetch(tp, replicaId: 3, offset: 3)
        #expect(answer?.highWatermark == 3)
        let results = await produced
        #expect(results[tp]?.errorCode == .noError)
        #expect(results[tp]?.baseOffset == 0)
    }

    @Test func aFetchClaimingAReplicaThatIsNotALiveBrokerMovesNothing() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        // Broker 9 is an assigned replica in the ISR, but the controller never said it is alive.
        try await fixture.lead(tp, isr: [1, 9])
        let appended = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(600), entries: [(tp, ReplicaManagerFixture.batch(["a", "b"]))])
        #expect(appended[tp]?.errorCode == .noError)
        let answer = await fixture.followerFetch(tp, replicaId: 9, offset: 2)
        #expect(answer?.bytes == 0)
        #expect(fixture.replicaManager.partition(tp)?.highWatermark == 0, "acks=all must not count a forged follower")
    }

    @Test func acksAllTimesOutWhenAFollowerDoesNotFetch() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2])
        let results = await fixture.replicaManager.appendRecords(
            requiredAcks: -1, timeout: .milliseconds(50), entries: [(tp, ReplicaManagerFixture.batch(["a"]))])
        #expect(results[tp]?.errorCode == .requestTimedOut)
        // The records are in the leader's log all the same (as in Kafka; a retry may duplicate them).
        #expect(fixture.replicaManager.partition(tp)?.log.logEndOffset == 1)
    }

    @Test func acksOneAnswersAfterTheLeadersAppend() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2])
        let results = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(600), entries: [(tp, ReplicaManagerFixture.batch(["a"]))])
        #expect(results[tp]?.errorCode == .noError)
    }

    @Test func aParkedAcksAllProduceFailsWhenTheBrokerStopsLeading() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2])
        let manager = fixture.replicaManager
        let tp = self.tp
        async let produced = manager.appendRecords(
            requiredAcks: -1, timeout: .seconds(600), entries: [(tp, ReplicaManagerFixture.batch(["a"]))])
        try await eventuallyFetches(fixture, replicaId: 2, offset: 0) { $0.bytes > 0 }
        let follower = PartitionState(
            topic: "t", partition: 0,
            controllerEpoch: 1, leader: 2, leaderEpoch: 1, isr: [2], zkVersion: 1, replicas: [1, 2], isNew: false)
        _ = await manager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: 1, states: [tp: follower])
        #expect(await produced[tp]?.errorCode == .notLeaderOrFollower)
        // With no endpoint for its new leader it keeps its log as it is (truncation waits for a fetcher, as in Kafka).
        #expect(manager.partition(tp)?.log.logEndOffset == 1)
        #expect(!manager.fetcherManager.isFetching(tp))
        await manager.shutdown()
    }

    @Test func aBrokerThatIsNotAReplicaGetsNoRecords() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, isr: [1, 2])
        _ = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["a"]))])
        let answer = await fixture.followerFetch(tp, replicaId: 9, offset: 0)
        #expect(answer?.errorCode == .noError)
        #expect(answer?.bytes == 0)
    }

    /// Fetches as a follower until `condition` holds for the answer (the produce runs concurrently).
    private func eventuallyFetches(
        _ fixture: ReplicaManagerFixture, replicaId: Int32, offset: Int64,
        _ condition: @escaping (FetchPartitionResult) -> Bool
    ) async throws {
        let tp = self.tp
        try await eventually(timeout: .seconds(60), "broker \(replicaId) fetches at offset \(offset)") {
            guard let answer = await fixture.followerFetch(tp, replicaId: replicaId, offset: offset) else { return false }
            return condition(answer)
        }
    }
}
