import Coordination
import KafkaProtocol
import NIOCore
import Storage
import Testing

@testable import Broker

@Suite struct ReplicaManagerTests {
    let tp = TopicPartition(topic: "orders", partition: 0)

    @Test func leaderAppendsAndConsumersReadUpToTheHighWatermark() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp)
        let results = await fixture.replicaManager.appendRecords(
            requiredAcks: -1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["a", "b", "c"]))])
        #expect(results[tp]?.errorCode == .noError)
        #expect(results[tp]?.baseOffset == 0)
        let second = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["d"]))])
        #expect(second[tp]?.baseOffset == 3)

        let fetched = await fixture.replicaManager.fetchMessages(
            FetchParameters(replicaId: -1, maxWait: .zero, minBytes: 1, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 1 << 20)])
        let result = try #require(fetched.first)
        #expect(result.errorCode == .noError)
        #expect(result.highWatermark == 4)
        #expect(result.logStartOffset == 0)
        let bytes = try #require(result.records).readBytes()
        // Two whole batches: the first starts at offset 0 (its baseOffset field), the second at 3.
        let buffer = ByteBuffer(bytes: bytes)
        #expect(buffer.getInteger(at: 0, as: Int64.self) == 0)
        let firstLength = Int(buffer.getInteger(at: 8, as: Int32.self) ?? 0) + 12
        #expect(buffer.getInteger(at: firstLength, as: Int64.self) == 3)
    }

    @Test func unknownAndNotLedPartitionsGetKafkasErrors() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let unknown = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["x"]))])
        #expect(unknown[tp]?.errorCode == .unknownTopicOrPartition)

        fixture.metadataCache.update(
            controllerId: 2, brokers: [],
            partitions: [PartitionState(topic: tp.topic, partition: 0, controllerEpoch: 1, leader: 2, leaderEpoch: 0, isr: [2], zkVersion: 0, replicas: [2])])
        let replicaManager = ReplicaManager(
            configuration: .init(brokerId: 1), logManager: fixture.logManager, metadataCache: fixture.metadataCache,
            defaultLogConfig: LogConfig(), topicConfig: { _ in [:] }, logger: .init(label: "test"))
        let elsewhere = await replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["x"]))])
        #expect(elsewhere[tp]?.errorCode == .notLeaderOrFollower)
    }

    @Test func acksAllBelowMinInsyncReplicasIsRefusedBeforeWriting() async throws {
        let fixture = try await ReplicaManagerFixture.make(configuration: .init(brokerId: 1, minInsyncReplicas: 2))
        defer { fixture.cleanUp() }
        try await fixture.lead(tp)
        let results = await fixture.replicaManager.appendRecords(
            requiredAcks: -1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["x"]))])
        #expect(results[tp]?.errorCode == .notEnoughReplicas)
        #expect(fixture.replicaManager.partition(tp)?.log.logEndOffset == 0)
    }

    @Test func aParkedFetchIsCompletedByTheNextAppend() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp)
        let replicaManager = fixture.replicaManager
        let tp = self.tp
        async let fetched = replicaManager.fetchMessages(
            FetchParameters(replicaId: -1, maxWait: .seconds(60), minBytes: 1, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 1 << 20)])
        try await Task.sleep(for: .milliseconds(50))
        _ = await replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["late"]))])
        let results = await fetched
        #expect(results.first?.bytes ?? 0 > 0)
    }

    /// A follower's fetch parks on its broker id: an append to a partition it follows completes it, one to a
    /// partition it does not follow leaves it parked, and a leadership change ends it at once with the error.
    @Test func aParkedFollowerFetchIsCompletedByAnAppendToAPartitionItFollows() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let tp = self.tp
        let other = TopicPartition(topic: "other", partition: 0)
        try await fixture.lead(tp, isr: [1, 2], replicas: [1, 2])
        try await fixture.lead(other, isr: [1, 3], replicas: [1, 3])
        let replicaManager = fixture.replicaManager
        let clock = ContinuousClock()
        let started = clock.now
        async let fetched = replicaManager.fetchMessages(
            FetchParameters(replicaId: 2, maxWait: .seconds(60), minBytes: 1, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 1 << 20)])
        #expect(await eventually { replicaManager.followerActivity.parkedCount == (1, 1) })
        _ = await replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(other, ReplicaManagerFixture.batch(["not followed by 2"]))])
        #expect(replicaManager.followerActivity.parkedCount == (1, 1))
        _ = await replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["late"]))])
        let results = await fetched
        #expect(results.first?.bytes ?? 0 > 0)
        #expect(clock.now - started < .seconds(60))
        #expect(replicaManager.followerActivity.parkedCount == (0, 0))

        async let fenced = replicaManager.fetchMessages(
            FetchParameters(replicaId: 3, maxWait: .seconds(60), minBytes: 1, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: other, fetchOffset: 1, maxBytes: 1 << 20, currentLeaderEpoch: 0)])
        #expect(await eventually { replicaManager.followerActivity.parkedCount == (1, 1) })
        try await fixture.lead(other, leaderEpoch: 1, isr: [1, 3], replicas: [1, 3])
        #expect(await fenced.first?.errorCode == .fencedLeaderEpoch)
    }

    @Test func aFetchWithNothingToReadAnswersEmptyAfterMaxWait() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp)
        let results = await fixture.replicaManager.fetchMessages(
            FetchParameters(replicaId: -1, maxWait: .milliseconds(20), minBytes: 1, maxBytes: 1 << 20),
            partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 1 << 20)])
        #expect(results.first?.errorCode == .noError)
        #expect(results.first?.records == nil)
    }

    @Test func outOfRangeOffsetsAndFencedEpochsAreReported() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, leaderEpoch: 3)
        let parameters = FetchParameters(replicaId: -1, maxWait: .zero, minBytes: 0, maxBytes: 1 << 20)
        let outOfRange = fixture.replicaManager.readFromLocalLog(
            parameters, partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 5, maxBytes: 100)])
        #expect(outOfRange.first?.errorCode == .offsetOutOfRange)
        let fenced = fixture.replicaManager.readFromLocalLog(
            parameters, partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 100, currentLeaderEpoch: 2)])
        #expect(fenced.first?.errorCode == .fencedLeaderEpoch)
        let unknownEpoch = fixture.replicaManager.readFromLocalLog(
            parameters, partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 100, currentLeaderEpoch: 4)])
        #expect(unknownEpoch.first?.errorCode == .unknownLeaderEpoch)
    }

    @Test func onlyTheFirstPartitionWithDataMayExceedTheByteLimits() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let other = TopicPartition(topic: "orders", partition: 1)
        try await fixture.lead(tp)
        try await fixture.lead(other)
        let big = String(repeating: "x", count: 500)
        _ = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch([big])), (other, ReplicaManagerFixture.batch([big]))])
        let results = fixture.replicaManager.readFromLocalLog(
            FetchParameters(replicaId: -1, maxWait: .zero, minBytes: 1, maxBytes: 100),
            partitions: [
                FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 100),
                FetchPartitionRequest(topicPartition: other, fetchOffset: 0, maxBytes: 100),
            ])
        #expect(results[0].bytes > 500)
        #expect(results[1].bytes == 0)
    }

    @Test func listOffsetsEarliestLatestAndByTime() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp)
        _ = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["a", "b"], timestamp: 1000))])
        _ = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["c"], timestamp: 2000))])
        let manager = fixture.replicaManager
        #expect(try manager.fetchOffset(tp, timestamp: -2, replicaId: -1, currentLeaderEpoch: -1).get().offset == 0)
        #expect(try manager.fetchOffset(tp, timestamp: -1, replicaId: -1, currentLeaderEpoch: -1).get().offset == 3)
        let byTime = try manager.fetchOffset(tp, timestamp: 1500, replicaId: -1, currentLeaderEpoch: -1).get()
        #expect(byTime.offset == 2)
        #expect(byTime.timestamp == 2000)
        #expect(try manager.fetchOffset(tp, timestamp: 9999, replicaId: -1, currentLeaderEpoch: -1).get().offset == -1)
    }

    @Test func staleControllerEpochsAreRefusedAndStopReplicaDeletesTheLog() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, controllerEpoch: 5)
        let stale = await fixture.replicaManager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: 4, states: [:])
        guard case .failure(.staleControllerEpoch) = stale else {
            Issue.record("expected STALE_CONTROLLER_EPOCH, got \(stale)")
            return
        }
        let stopped = fixture.replicaManager.stopReplicas(controllerId: 1, controllerEpoch: 5, partitions: [tp], delete: true)
        #expect((try? stopped.get())?[tp] == .noError)
        #expect(fixture.replicaManager.partition(tp) == nil)
        #expect(fixture.logManager.log(for: tp) == nil)
    }
}
