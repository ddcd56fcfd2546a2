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
        default:
            return .close
        }
    }
}

/// Broker 1's fetcher against a leader (broker 2) on the wire.
@Suite struct ReplicaFetcherTests {
    let tp = TopicPartition(topic: "orders", partition: 0)

    static func follower(leaderEpoch: Int32) -> PartitionLeaderState {
        PartitionLeaderState(
            controllerEpoch: 1, leader: 2, leaderEpoch: leaderEpoch, isr: [2, 1], zkVersion: 0, replicas: [2, 1], isNew: false)
    }

    /// A log outside the fixture's log manager, holding the leader's copy.
    static func leaderLog(_ fixture: ReplicaManagerFixture, batches: [[String]]) throws -> Log {
        let manager = fixture.logManager
        let log = try manager.getOrCreateLog(TopicPartition(topic: "leader-copy", partition: 0))
        for values in batches {
            var records = ReplicaManagerFixture.batch(values)
            _ = try log.appendAsLeader(&records, leaderEpoch: 7)
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
}
