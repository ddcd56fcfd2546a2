import Coordination
import Foundation
import GregorTestSupport
import KafkaProtocol
import KafkaTestSupport
import Logging
import NIOCore
import Storage
import Synchronization
import Testing

@testable import Broker

/// A leader over the wire for one partition: a FakeBroker answering Fetch and ListOffsets from a real log, the way a
/// Gregor leader does (records up to the log end for replicas, OFFSET_OUT_OF_RANGE outside the log, the high
/// watermark as given).
private final class WireLeader: Sendable {
    let log: Log
    let fake: FakeBroker
    let highWatermark: Mutex<Int64>
    let fetches = Mutex<[FetchRequest]>([])
    let epochRequests = Mutex<[OffsetForLeaderEpochRequest]>([])

    init(log: Log, fake: FakeBroker, highWatermark: Int64) {
        self.log = log
        self.fake = fake
        self.highWatermark = Mutex(highWatermark)
    }

    static func start(log: Log, highWatermark: Int64) async throws -> WireLeader {
        let box = Mutex<WireLeader?>(nil)
        let fake = try await FakeBroker.start { header, body in
            guard let leader = box.withLock({ $0 }) else { return .close }
            return try leader.answer(header, body)
        }
        let leader = WireLeader(log: log, fake: fake, highWatermark: highWatermark)
        box.withLock { $0 = leader }
        return leader
    }

    var endPoint: BrokerEndPoint { BrokerEndPoint(id: 2, host: "127.0.0.1", port: fake.port) }

    private func answer(_ header: RequestHeader, _ body: ByteBuffer) throws -> FakeBroker.Reply {
        var reader = KafkaReader(buffer: body)
        switch header.apiKey {
        case .fetch:
            let request = try FetchRequest(from: &reader, version: header.apiVersion)
            fetches.withLock { $0.append(request) }
            let partition = request.topics[0].partitions[0]
            var data = FetchResponse.PartitionData(
                partitionIndex: partition.partition, errorCode: 0, highWatermark: highWatermark.withLock { $0 },
                lastStableOffset: -1, logStartOffset: log.logStartOffset, records: .bytes(ByteBuffer()))
            do {
                let read = try log.read(from: partition.fetchOffset, maxBytes: Int(partition.partitionMaxBytes))
                data.records = .bytes(ByteBuffer(bytes: try read.records?.readBytes() ?? []))
            } catch {
                data.errorCode = ErrorCode.offsetOutOfRange.rawValue
            }
            return .response(FetchResponse(
                errorCode: 0, sessionId: 0, responses: [.init(topic: request.topics[0].topic, partitions: [data])]))
        case .listOffsets:
            let request = try ListOffsetsRequest(from: &reader, version: header.apiVersion)
            let partition = request.topics[0].partitions[0]
            let offset = partition.timestamp == -2 ? log.logStartOffset : log.logEndOffset
            return .response(ListOffsetsResponse(topics: [
                .init(name: request.topics[0].name, partitions: [
                    .init(partitionIndex: partition.partitionIndex, errorCode: 0, timestamp: -1, offset: offset, leaderEpoch: 7)
                ])
            ]))
        case .offsetForLeaderEpoch:
            let request = try OffsetForLeaderEpochRequest(from: &reader, version: header.apiVersion)
            epochRequests.withLock { $0.append(request) }
            let partition = request.topics[0].partitions[0]
            let found = log.endOffset(forEpoch: partition.leaderEpoch)
            return .response(OffsetForLeaderEpochResponse(topics: [
                .init(topic: request.topics[0].topic, partitions: [
                    .init(errorCode: 0, partition: partition.partition, leaderEpoch: found?.epoch ?? -1, endOffset: found?.endOffset ?? -1)
                ])
            ]))
        default:
            return .close
        }
    }
}

/// Broker 1's fetcher against a leader (broker 2) on the wire.
@Suite struct ReplicaFetcherTests {
    let tp = TopicPartition(topic: "orders", partition: 0)

    static func follower(leaderEpoch: Int32) -> PartitionState {
        PartitionState(
            topic: "t", partition: 0,
            controllerEpoch: 1, leader: 2, leaderEpoch: leaderEpoch, isr: [2, 1], zkVersion: 0, replicas: [2, 1], isNew: false)
    }

    /// A log outside the fixture's log manager, holding the leader's copy.
    static func leaderLog(_ fixture: ReplicaManagerFixture, batches: [[String]], epochs: [Int32]? = nil) throws -> Log {
        let manager = fixture.logManager
        let log = try manager.getOrCreateLog(TopicPartition(topic: "leader-copy", partition: 0))
        for (index, values) in batches.enumerated() {
            var records = ReplicaManagerFixture.batch(values)
            _ = try log.appendAsLeader(&records, leaderEpoch: epochs?[index] ?? 7)
        }
        return log
    }

    @Test func aFollowerCopiesTheLeadersBatchesAndTakesItsHighWatermark() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let leader = try await WireLeader.start(log: try Self.leaderLog(fixture, batches: [["a", "b", "c"], ["d", "e"]]), highWatermark: 3)
        defer { Task { await leader.fake.stop() } }
        let manager = fixture.replicaManager
        let tp = self.tp
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: Self.follower(leaderEpoch: 7)], liveLeaders: [2: leader.endPoint])
        try await eventually(timeout: .seconds(60), "the follower has both batches") {
            manager.partition(tp)?.log.logEndOffset == 5
        }
        // The leader said 3 in the answer that brought the records; its later answers say 5.
        leader.highWatermark.withLock { $0 = 5 }
        try await eventually(timeout: .seconds(60), "the follower's high watermark") { manager.partition(tp)?.highWatermark == 5 }
        let first = try #require(leader.fetches.withLock { $0.first })
        #expect(first.replicaId == 1)
        #expect(first.maxWaitMs == 500 && first.minBytes == 1)
        #expect(first.topics.first?.partitions.first?.currentLeaderEpoch == 7)
        #expect(first.topics.first?.partitions.first?.fetchOffset == 0)
        #expect(leader.fetches.withLock { $0.last?.topics.first?.partitions.first?.fetchOffset } == 5)
        // Becoming leader stops the fetcher.
        var leads = Self.follower(leaderEpoch: 8)
        leads.leader = 1
        _ = await manager.becomeLeaderOrFollower(controllerId: 9, controllerEpoch: 1, states: [tp: leads])
        #expect(!manager.fetcherManager.isFetching(tp))
        await manager.shutdown()
    }

    @Test func aFollowerAheadOfItsLeaderTruncatesToTheLeadersLogEnd() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let manager = fixture.replicaManager
        let tp = self.tp
        // Broker 1 led alone and wrote five records; the new leader only has the first batch.
        try await fixture.lead(tp, leaderEpoch: 6)
        _ = await manager.appendRecords(requiredAcks: 1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["a", "b", "c"]))])
        _ = await manager.appendRecords(requiredAcks: 1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["x", "y"]))])
        let leader = try await WireLeader.start(log: try Self.leaderLog(fixture, batches: [["a", "b", "c"]]), highWatermark: 3)
        defer { Task { await leader.fake.stop() } }
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: Self.follower(leaderEpoch: 7)], liveLeaders: [2: leader.endPoint])
        try await eventually(timeout: .seconds(60), "truncated to the leader's log end") {
            manager.partition(tp)?.log.logEndOffset == 3 && manager.fetcherManager.fetchOffsets[tp] == 3
        }
        #expect(manager.partition(tp)?.highWatermark == 3)
        await manager.shutdown()
    }

    @Test func aFollowerWhoseTailDivergedInsideALeaderBatchTakesTheLeadersRecords() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let manager = fixture.replicaManager
        let tp = self.tp
        // Broker 1 wrote offsets 0-3 as one batch while it led alone; the new leader has 0-1, then 2-6.
        try await fixture.lead(tp, leaderEpoch: 6)
        _ = await manager.appendRecords(
            requiredAcks: 1, timeout: .seconds(1), entries: [(tp, ReplicaManagerFixture.batch(["a", "b", "c", "d"]))])
        let leaderLog = try Self.leaderLog(fixture, batches: [["a", "b"], ["p", "q", "r", "s", "t"]])
        let leader = try await WireLeader.start(log: leaderLog, highWatermark: 7)
        defer { Task { await leader.fake.stop() } }
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: Self.follower(leaderEpoch: 7)], liveLeaders: [2: leader.endPoint])
        try await eventually(timeout: .seconds(60), "the leader's log copied") { manager.partition(tp)?.log.logEndOffset == 7 }
        let copied = try #require(try manager.partition(tp)?.log.read(from: 0, maxBytes: 1 << 20).records?.readBytes())
        let original = try #require(try leaderLog.read(from: 0, maxBytes: 1 << 20).records?.readBytes())
        #expect(copied == original)
        await manager.shutdown()
    }

    /// KIP-101: a follower with records past its high watermark that the new leader also has keeps them. The old
    /// rule (truncate to the high watermark, then fetch) lost them here if the new leader failed next.
    @Test func aNewLeaderDoesNotCostTheFollowerRecordsPastItsHighWatermarkThatTheLeaderHas() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let manager = fixture.replicaManager
        let tp = self.tp
        // Broker 1 followed broker 3 in epoch 7 and copied offsets 0-4 (high watermark 3 when it last heard).
        let oldLeader = try await WireLeader.start(
            log: try Self.leaderLog(fixture, batches: [["a", "b", "c"], ["d", "e"]]), highWatermark: 3)
        var first = Self.follower(leaderEpoch: 7)
        first.leader = 3
        first.replicas = [3, 2, 1]
        first.isr = [3, 2, 1]
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: first], liveLeaders: [3: BrokerEndPoint(id: 3, host: "127.0.0.1", port: oldLeader.fake.port)])
        try await eventually(timeout: .seconds(60), "copied from the old leader") { manager.partition(tp)?.log.logEndOffset == 5 }
        await oldLeader.fake.stop()
        #expect(manager.partition(tp)?.highWatermark == 3)

        // Broker 2 leads epoch 8 with the same five records and two more of its own.
        let newLog = try fixture.logManager.getOrCreateLog(TopicPartition(topic: "new-leader", partition: 0))
        for (values, epoch) in [(["a", "b", "c"], Int32(7)), (["d", "e"], 7), (["f", "g"], 8)] {
            var records = ReplicaManagerFixture.batch(values)
            _ = try newLog.appendAsLeader(&records, leaderEpoch: epoch)
        }
        let newLeader = try await WireLeader.start(log: newLog, highWatermark: 7)
        defer { Task { await newLeader.fake.stop() } }
        var second = Self.follower(leaderEpoch: 8)
        second.replicas = [3, 2, 1]
        second.isr = [2, 1]
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: second], liveLeaders: [2: newLeader.endPoint])
        try await eventually(timeout: .seconds(60), "caught up with the new leader") { manager.partition(tp)?.log.logEndOffset == 7 }
        let asked = try #require(newLeader.epochRequests.withLock { $0.first })
        #expect(asked.replicaId == 1)
        #expect(asked.topics.first?.partitions.first?.leaderEpoch == 7)
        #expect(asked.topics.first?.partitions.first?.currentLeaderEpoch == 8)
        // Its first fetch went on from its own log end: nothing was truncated.
        #expect(newLeader.fetches.withLock { $0.first?.topics.first?.partitions.first?.fetchOffset } == 5)
        #expect(manager.partition(tp)?.log.leaderEpochEntries.map(\.epoch) == [7, 8])
        await manager.shutdown()
    }

    /// An ISR change elsewhere bumps the leader epoch with the same leader: the follower fetches on, with the new
    /// epoch, and asks nothing about truncation.
    @Test func anEpochBumpWithTheSameLeaderKeepsFetchingWithoutTruncating() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let leader = try await WireLeader.start(log: try Self.leaderLog(fixture, batches: [["a", "b", "c"]]), highWatermark: 1)
        defer { Task { await leader.fake.stop() } }
        let manager = fixture.replicaManager
        let tp = self.tp
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: Self.follower(leaderEpoch: 7)], liveLeaders: [2: leader.endPoint])
        try await eventually(timeout: .seconds(60), "copied") { manager.partition(tp)?.log.logEndOffset == 3 }
        let asked = leader.epochRequests.withLock { $0.count }
        _ = await manager.becomeLeaderOrFollower(
            controllerId: 9, controllerEpoch: 1, states: [tp: Self.follower(leaderEpoch: 8)], liveLeaders: [2: leader.endPoint])
        try await eventually(timeout: .seconds(60), "fetching with epoch 8") {
            leader.fetches.withLock { $0.last?.topics.first?.partitions.first?.currentLeaderEpoch } == 8
        }
        #expect(leader.epochRequests.withLock { $0.count } == asked)
        #expect(manager.partition(tp)?.log.logEndOffset == 3)
        await manager.shutdown()
    }
}
