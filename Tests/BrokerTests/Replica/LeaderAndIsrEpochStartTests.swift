import Coordination
import KafkaProtocol
import NIOPosix
import Storage
import Testing

@testable import Broker

/// A LeaderAndIsr that makes many partitions leaders (their logs created on the I/O threads) starts each one's epoch
/// at its own log end at once, in memory; `leader-epoch-checkpoint` follows at the log manager's next checkpoint.
@Suite("LeaderAndIsr epoch starts")
struct LeaderAndIsrEpochStartTests {
    private static let partitionCount: Int32 = 40

    private static func states(leaderEpoch: Int32) -> [TopicPartition: PartitionState] {
        var states: [TopicPartition: PartitionState] = [:]
        for index in 0..<partitionCount {
            let tp = TopicPartition(topic: index % 2 == 0 ? "even" : "odd", partition: index)
            states[tp] = PartitionState(
                topic: tp.topic, partition: tp.partition, controllerEpoch: 1, leader: 1, leaderEpoch: leaderEpoch,
                isr: [1], zkVersion: leaderEpoch, replicas: [1], isNew: leaderEpoch == 0)
        }
        return states
    }

    @Test("every new leader of one request starts its epoch at its own log end; the checkpoint files follow")
    func newLeadersStartTheirEpochsAtTheirLogEnds() async throws {
        let pool = NIOThreadPool(numberOfThreads: 3)
        pool.start()
        let fixture = try await ReplicaManagerFixture.make(ioThreads: pool)
        defer { fixture.cleanUp() }
        let manager = fixture.replicaManager

        let created = await manager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: 1, states: Self.states(leaderEpoch: 0))
        let createdCodes = try created.get()
        #expect(createdCodes.count == Int(Self.partitionCount))
        #expect(createdCodes.values.allSatisfy { $0 == .noError })
        // Each partition gets as many records as its index, so every log ends somewhere else.
        for tp in Self.states(leaderEpoch: 0).keys where tp.partition > 0 {
            let values = (0..<tp.partition).map { "\($0)" }
            let appended = await manager.appendRecords(
                requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(values))])
            #expect(appended[tp]?.errorCode == .noError)
        }

        let moved = await manager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: 1, states: Self.states(leaderEpoch: 1))
        #expect(try moved.get().values.allSatisfy { $0 == .noError })
        var expected: [TopicPartition: [EpochEntry]] = [:]
        for tp in Self.states(leaderEpoch: 1).keys {
            let log = try #require(manager.partition(tp)?.log)
            let end = Int64(tp.partition)
            #expect(log.logEndOffset == end)
            expected[tp] = end == 0
                ? [EpochEntry(epoch: 1, startOffset: 0)]
                : [EpochEntry(epoch: 0, startOffset: 0), EpochEntry(epoch: 1, startOffset: end)]
            #expect(log.leaderEpochEntries == expected[tp], "\(tp)")
            // Not written yet: the request did no file I/O for it.
            #expect(try LeaderEpochCheckpointFile(partitionDirectory: log.directory).read()?.last?.epoch != 1, "\(tp)")
        }
        try fixture.logManager.checkpointRecoveryPoints()
        for (tp, entries) in expected {
            let log = try #require(manager.partition(tp)?.log)
            #expect(try LeaderEpochCheckpointFile(partitionDirectory: log.directory).read() == entries, "\(tp)")
        }
        try await pool.shutdownGracefully()
    }
}

/// The epoch start of a leadership is assigned after the LeaderAndIsr loop, so it must not apply once the
/// partition has left that leadership.
@Suite("Partition.assignLeaderEpochStartOffset")
struct AssignLeaderEpochStartOffsetTests {
    private let tp = TopicPartition(topic: "epochs", partition: 0)

    @Test("only the current leadership's epoch is assigned; a stale one or a follower's changes nothing")
    func onlyTheCurrentLeadership() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        try await fixture.lead(tp, leaderEpoch: 3)
        let partition = try #require(fixture.replicaManager.partition(tp))
        _ = await fixture.replicaManager.appendRecords(
            requiredAcks: 1, timeout: .seconds(5), entries: [(tp, ReplicaManagerFixture.batch(["a", "b"]))])
        let led = [EpochEntry(epoch: 3, startOffset: 0)]
        #expect(partition.log.leaderEpochEntries == led)

        partition.assignLeaderEpochStartOffset(2)
        partition.assignLeaderEpochStartOffset(4)
        #expect(partition.log.leaderEpochEntries == led)
        partition.assignLeaderEpochStartOffset(3)
        #expect(partition.log.leaderEpochEntries == led)

        // Broker 2 leads epoch 4 now (unreachable here, so nothing is fetched or truncated).
        let follower = PartitionState(
            topic: tp.topic, partition: tp.partition, controllerEpoch: 1, leader: 2, leaderEpoch: 4, isr: [2, 1],
            zkVersion: 1, replicas: [1, 2])
        _ = try await fixture.replicaManager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: 1, states: [tp: follower]).get()
        partition.assignLeaderEpochStartOffset(4)
        partition.assignLeaderEpochStartOffset(3)
        #expect(partition.log.leaderEpochEntries == led)
        partition.log.checkpointLeaderEpochs()
        #expect(try LeaderEpochCheckpointFile(partitionDirectory: partition.log.directory).read() == led)
    }
}
