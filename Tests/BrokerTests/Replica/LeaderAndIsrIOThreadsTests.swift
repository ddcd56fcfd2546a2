import Coordination
import KafkaProtocol
import NIOPosix
import Storage
import Synchronization
import Testing

@testable import Broker

/// A LeaderAndIsr's blocking file work (new logs, new leaders' `leader-epoch-checkpoint`) runs on the I/O threads,
/// the epoch checkpoints of many new leaders on all of them at once; what each partition ends up with is the same as
/// when it ran one partition after another.
@Suite("LeaderAndIsr on the I/O threads")
struct LeaderAndIsrIOThreadsTests {
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

    @Test("every new leader of one request starts its epoch at its own log end, in memory and on disk")
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
        for tp in Self.states(leaderEpoch: 1).keys {
            let log = try #require(manager.partition(tp)?.log)
            let end = Int64(tp.partition)
            #expect(log.logEndOffset == end)
            let expected = end == 0
                ? [EpochEntry(epoch: 1, startOffset: 0)]
                : [EpochEntry(epoch: 0, startOffset: 0), EpochEntry(epoch: 1, startOffset: end)]
            #expect(log.leaderEpochEntries == expected, "\(tp)")
            #expect(try LeaderEpochCheckpointFile(partitionDirectory: log.directory).read() == expected, "\(tp)")
        }
        try await pool.shutdownGracefully()
    }

    @Test("onIOThreads runs each element exactly once, with more, fewer or no threads than elements")
    func onIOThreadsRunsEachElementOnce() async throws {
        for threads in [0, 1, 3, 8] {
            let pool = threads > 0 ? NIOThreadPool(numberOfThreads: threads) : nil
            pool?.start()
            let fixture = try await ReplicaManagerFixture.make(ioThreads: pool)
            defer { fixture.cleanUp() }
            for count in [0, 1, 2, 5, 17] {
                let seen = Mutex<[Int]>([])
                await fixture.replicaManager.onIOThreads(Array(0..<count)) { element in seen.withLock { $0.append(element) } }
                #expect(seen.withLock { $0.sorted() } == Array(0..<count), "\(threads) threads, \(count) elements")
            }
            try await pool?.shutdownGracefully()
        }
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
        #expect(try LeaderEpochCheckpointFile(partitionDirectory: partition.log.directory).read() == led)
    }
}
