import Coordination
import Foundation
import KafkaProtocol
import Testing
import ZooKeeper

@testable import Broker

/// TxnOffsetCommit and transaction markers through the coordinator driver against a real ZooKeeper.
@Suite struct GroupCoordinatorTxnOffsetsTests {
    typealias C = GroupCoordinatorTests
    static let p0 = TopicPartition("t", 0)
    static let p1 = TopicPartition("t", 1)

    static func txn(
        _ offsets: [TopicPartition: Int64], producerId: Int64 = 7, member: String = "", metadata: String = "m"
    ) -> GroupMetadata.TxnCommitParameters {
        .init(
            transactionalId: "app", producerId: producerId, producerEpoch: 0, memberId: member, groupInstanceId: nil,
            generationId: -1, offsets: offsets.mapValues { OffsetAndMetadata(offset: $0, metadata: metadata, commitTimestampMs: 1) })
    }

    static func fetch(_ coordinator: GroupCoordinator, stable: Bool = false) async throws -> [TopicPartition: (Int64, ErrorCode)] {
        try await coordinator.fetchOffsets("g", partitions: [p0, p1], requireStable: stable).get().mapValues { ($0.0.offset, $0.1) }
    }

    static func exists(_ zk: KafkaZkClient, _ path: String) async throws -> Bool {
        try await zk.zooKeeper.exists(path) != nil
    }

    @Test func aCommitMarkerMakesTxnOffsetsVisibleOnceAndForAll() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [0], zk: zk)
        #expect(await coordinator.commitOffsets("g", C.commit(3)) == [Self.p0: .noError])
        #expect(await coordinator.txnCommitOffsets("g", Self.txn([Self.p0: 42, Self.p1: 8])) == [Self.p0: .noError, Self.p1: .noError])
        #expect(try await Self.exists(zk, "/consumers/g/txn_offsets/7"))
        let before = try await Self.fetch(coordinator)
        #expect(before[Self.p0]?.0 == 3 && before[Self.p1] == nil, "pending offsets are invisible")
        let stable = try await Self.fetch(coordinator, stable: true)
        #expect(stable[Self.p0]?.1 == .unstableOffsetCommit && stable[Self.p1]?.1 == .unstableOffsetCommit)

        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .noError)
        let after = try await Self.fetch(coordinator, stable: true)
        #expect(after[Self.p0]! == (42, .noError) && after[Self.p1]! == (8, .noError))
        #expect(try await C.text(zk, "/consumers/g/offsets/t/0") == "42")
        #expect(try await !Self.exists(zk, "/consumers/g/txn_offsets/7"))
        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .noError, "a retried marker")
        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: false) == .noError)
        #expect(try await Self.fetch(coordinator)[Self.p0]?.0 == 42)
    }

    @Test func anAbortMarkerDropsTheTxnOffsets() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [0], zk: zk)
        #expect(await coordinator.commitOffsets("g", C.commit(3)) == [Self.p0: .noError])
        _ = await coordinator.txnCommitOffsets("g", Self.txn([Self.p0: 42]))
        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: false) == .noError)
        #expect(try await Self.fetch(coordinator, stable: true)[Self.p0]! == (3, .noError))
        #expect(try await !Self.exists(zk, "/consumers/g/txn_offsets/7"))
        #expect(try await C.text(zk, "/consumers/g/offsets/t/0") == "3")
    }

    @Test func aProducerOnlyGroupIsCreatedOnDemandAndCompleted() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [0], zk: zk)
        #expect(await coordinator.txnCommitOffsets("solo", Self.txn([Self.p0: 5])) == [Self.p0: .noError])
        // Another coordinator instance (a restart) has nothing in memory: it loads the group for the marker.
        let restarted = C.coordinator(0, alive: [0], zk: zk)
        #expect(await restarted.completeTransaction(groupIds: ["solo"], producerId: 7, commit: true) == .noError)
        #expect(try await C.text(zk, "/consumers/solo/offsets/t/0") == "5")
    }

    @Test func aPlainCommitAfterTheTxnCommitWinsAtTheCommitMarker() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [0], zk: zk)
        _ = await coordinator.txnCommitOffsets("g", Self.txn([Self.p0: 42, Self.p1: 8]))
        #expect(await coordinator.commitOffsets("g", C.commit(50)) == [Self.p0: .noError])
        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .noError)
        let after = try await Self.fetch(coordinator)
        #expect(after[Self.p0]?.0 == 50 && after[Self.p1]?.0 == 8)
        #expect(try await C.text(zk, "/consumers/g/offsets/t/0") == "50")
    }

    @Test func aFailoverKeepsThePendingOffsetsAndFencesTheOldCoordinator() async throws {
        let zk = try await C.session()
        let old = C.coordinator(0, alive: [0], zk: zk)
        _ = await old.txnCommitOffsets("g", Self.txn([Self.p0: 42]))
        let new = C.coordinator(1, alive: [1], zk: zk)
        #expect(try await Self.fetch(new, stable: true)[Self.p0]?.1 == .unstableOffsetCommit, "loaded with the group")
        #expect(await old.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .notCoordinator)
        #expect(await new.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .noError)
        #expect(try await C.text(zk, "/consumers/g/offsets/t/0") == "42")
    }

    /// A marker for a producer with nothing pending is a success only from the group's current coordinator: a
    /// stale one must not tell the sender that the marker was applied.
    @Test func aNoOpMarkerAtAFencedCoordinatorAnswersNotCoordinator() async throws {
        let zk = try await C.session()
        let old = C.coordinator(0, alive: [0], zk: zk)
        #expect(await old.commitOffsets("g", C.commit(3)) == [Self.p0: .noError])
        let new = C.coordinator(1, alive: [1], zk: zk)
        _ = await new.txnCommitOffsets("g", Self.txn([Self.p0: 42], producerId: 99))
        #expect(await old.completeTransaction(groupIds: ["g"], producerId: 99, commit: true) == .notCoordinator)
        #expect(await new.completeTransaction(groupIds: ["g"], producerId: 99, commit: true) == .noError)
        #expect(try await C.text(zk, "/consumers/g/offsets/t/0") == "42")
    }

    @Test func aGroupOfAnotherBrokerAnswersNotCoordinator() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [1], zk: zk)
        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .notCoordinator)
        #expect(await coordinator.txnCommitOffsets("g", Self.txn([Self.p0: 1])) == [Self.p0: .notCoordinator])
    }

    @Test func partitionsAreCheckedOneByOneAndMembersWhenGiven() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [0], zk: zk)
        var request = Self.txn([Self.p0: 1])
        request.offsets[TopicPartition("nope", 0)] = OffsetAndMetadata(offset: 1, commitTimestampMs: 1)
        request.offsets[Self.p1] = OffsetAndMetadata(offset: 1, metadata: String(repeating: "x", count: 5000), commitTimestampMs: 1)
        #expect(await coordinator.txnCommitOffsets("g", request)
            == [Self.p0: .noError, TopicPartition("nope", 0): .unknownTopicOrPartition, Self.p1: .offsetMetadataTooLarge])
        #expect(await coordinator.txnCommitOffsets("g", Self.txn([Self.p0: 1], member: "ghost")) == [Self.p0: .unknownMemberId])
        #expect(await coordinator.txnCommitOffsets("a/b", Self.txn([Self.p0: 1])) == [Self.p0: .invalidGroupId])
    }

    @Test func deletingTheGroupLeavesNoTxnOffsetsBehind() async throws {
        let zk = try await C.session()
        let coordinator = C.coordinator(0, alive: [0], zk: zk)
        #expect(await coordinator.commitOffsets("g", C.commit(3)) == [Self.p0: .noError])
        _ = await coordinator.txnCommitOffsets("g", Self.txn([Self.p0: 42]))
        #expect(await coordinator.deleteGroup("g") == .noError)
        #expect(try await !Self.exists(zk, "/consumers/g/txn_offsets"))
        #expect(await coordinator.completeTransaction(groupIds: ["g"], producerId: 7, commit: true) == .noError)
        #expect(try await !Self.exists(zk, "/consumers/g/offsets/t/0"), "the marker after the deletion commits nothing")
    }
}
