import Foundation
import KafkaProtocol
import Testing
import ZooKeeper

@testable import Coordination

/// Open transactions' offsets in a real ZooKeeper: written through the group's fence, loaded with the group,
/// completed by a marker in one multi-op, each test in a fresh chroot.
@Suite("Transactional group offsets in ZooKeeper")
struct GroupTxnOffsetStoreTests {
    private typealias F = GroupStoreFixture
    static let p0 = TopicPartition("orders", 0)
    static let p1 = TopicPartition("orders", 1)

    static func pending(_ offsets: [TopicPartition: Int64], epoch: Int16 = 0) -> PendingTransactionalOffsets {
        PendingTransactionalOffsets(transactionalId: "app-1", producerEpoch: epoch, offsets: offsets.mapValues { F.offset($0) })
    }

    @Test func theZNodeIsKafkaStyleJSONAndLoadsBack() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.commit(group: "g", fence: fence, offsets: [Self.p1: F.offset(3)])
        try await store.writeTransaction(group: "g", fence: fence, producerId: 4000, pending: Self.pending([Self.p0: 42]))
        #expect(try await zk.text("/consumers/g/txn_offsets/4000") == #"{"version":1,"transactional_id":"app-1","producer_epoch":0,"offsets":[{"topic":"orders","partition":0,"offset":42,"leader_epoch":-1,"metadata":"","commit_timestamp":"1732400000000"}]}"#)
        #expect(try await zk.text("/consumers/g/offsets/orders/0") == nil, "pending offsets are not committed ones")

        let reloaded = F.store(zk)
        let again = try await reloaded.claim(group: "g", brokerId: 1)
        let snapshot = try await reloaded.loadGroup(group: "g", fence: again)
        #expect(snapshot.offsets == [Self.p1: F.offset(3)])
        #expect(snapshot.pendingTransactions == [4000: Self.pending([Self.p0: 42])])
        let offsetZxid = try #require(snapshot.offsetZxids[Self.p1])
        let txnZxid = try #require(snapshot.pendingTransactionZxids[4000])
        #expect(offsetZxid < txnZxid, "the plain commit was written first")
        await zk.close()
    }

    @Test func aLaterWriteReplacesTheZNodeWhole() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.writeTransaction(group: "g", fence: fence, producerId: 1, pending: Self.pending([Self.p0: 1]))
        try await store.writeTransaction(group: "g", fence: fence, producerId: 1, pending: Self.pending([Self.p0: 2, Self.p1: 5], epoch: 1))
        let snapshot = try await store.loadGroup(group: "g", fence: fence)
        #expect(snapshot.pendingTransactions == [1: Self.pending([Self.p0: 2, Self.p1: 5], epoch: 1)])
        await zk.close()
    }

    @Test func aCommitMarkerWritesTheOffsetsAndDeletesTheZNodeInOneMultiOp() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.writeTransaction(group: "g", fence: fence, producerId: 9, pending: Self.pending([Self.p0: 42, Self.p1: 7]))
        let before = await store.statistics.multiOps
        try await store.completeTransaction(group: "g", fence: fence, producerId: 9, commits: [Self.p0: F.offset(42), Self.p1: F.offset(7)])
        #expect(await store.statistics.multiOps == before + 1)
        #expect(try await zk.text("/consumers/g/offsets/orders/0") == "42")
        #expect(try await zk.text("/consumers/g/offsets/orders/1") == "7")
        #expect(try await zk.text("/consumers/g/offsets_metadata/orders/0")?.contains(#""commit_timestamp":"1732400000000""#) == true)
        #expect(try await zk.text("/consumers/g/txn_offsets/9") == nil)
        #expect(try await store.load(group: "g", fence: fence) == [Self.p0: F.offset(42), Self.p1: F.offset(7)])

        // The marker again (retried): nothing is written.
        let after = await store.statistics.multiOps
        try await store.completeTransaction(group: "g", fence: fence, producerId: 9, commits: [Self.p0: F.offset(1)])
        #expect(await store.statistics.multiOps == after)
        #expect(try await zk.text("/consumers/g/offsets/orders/0") == "42")
        await zk.close()
    }

    @Test func anAbortMarkerOnlyDeletesTheZNode() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.commit(group: "g", fence: fence, offsets: [Self.p0: F.offset(3)])
        try await store.writeTransaction(group: "g", fence: fence, producerId: 9, pending: Self.pending([Self.p0: 42]))
        try await store.completeTransaction(group: "g", fence: fence, producerId: 9, commits: [:])
        #expect(try await zk.text("/consumers/g/txn_offsets/9") == nil)
        #expect(try await zk.text("/consumers/g/offsets/orders/0") == "3")
        #expect(try await store.loadGroup(group: "g", fence: fence).pendingTransactions.isEmpty)
        await zk.close()
    }

    @Test func anotherClaimFencesTransactionalWritesAndCompletions() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let (a, b) = (try await TestZooKeeper.session(config), try await TestZooKeeper.session(config))
        let (first, second) = (F.store(a), F.store(b))
        let old = try await first.claim(group: "g", brokerId: 1)
        try await first.writeTransaction(group: "g", fence: old, producerId: 9, pending: Self.pending([Self.p0: 42]))
        let taken = try await second.claim(group: "g", brokerId: 2)

        await #expect(throws: GroupStoreError.fenced(group: "g", zkVersion: old.zkVersion)) {
            try await first.writeTransaction(group: "g", fence: old, producerId: 9, pending: Self.pending([Self.p0: 50]))
        }
        await #expect(throws: GroupStoreError.fenced(group: "g", zkVersion: old.zkVersion)) {
            try await first.completeTransaction(group: "g", fence: old, producerId: 9, commits: [Self.p0: F.offset(42)])
        }
        await #expect(throws: GroupStoreError.fenced(group: "g", zkVersion: old.zkVersion)) {
            try await first.verify(group: "g", fence: old)
        }
        #expect(try await zk(b, "/consumers/g/offsets/orders/0") == nil)

        // The new coordinator found the transaction and completes it.
        let snapshot = try await second.loadGroup(group: "g", fence: taken)
        #expect(snapshot.pendingTransactions == [9: Self.pending([Self.p0: 42])])
        try await second.verify(group: "g", fence: taken)
        try await second.completeTransaction(group: "g", fence: taken, producerId: 9, commits: [Self.p0: F.offset(42)])
        #expect(try await b.text("/consumers/g/offsets/orders/0") == "42")
        await a.close()
        await b.close()
    }

    @Test func deletingTheGroupDeletesItsOpenTransactions() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.commit(group: "g", fence: fence, offsets: [Self.p0: F.offset(3)])
        try await store.writeTransaction(group: "g", fence: fence, producerId: 9, pending: Self.pending([Self.p0: 42]))
        try await store.writeTransaction(group: "g", fence: fence, producerId: 10, pending: Self.pending([Self.p1: 1]))
        try await F.store(zk).deleteGroup(group: "g", fence: fence)  // a store that must read the tree first
        #expect(try await zk.text("/consumers/g/txn_offsets") == nil)
        #expect(try await zk.text("/consumers/g/offsets") == nil)
        #expect(try await zk.text("/consumers/g/coordinator") != nil)
        await zk.close()
    }

    @Test func aMalformedZNodeIsSkippedAtLoad() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.writeTransaction(group: "g", fence: fence, producerId: 9, pending: Self.pending([Self.p0: 42]))
        try await zk.zooKeeper.create("/consumers/g/txn_offsets/10", data: Array(#"{"version":1}"#.utf8))
        try await zk.zooKeeper.create("/consumers/g/txn_offsets/x", data: [])
        let snapshot = try await F.store(zk).loadGroup(group: "g", fence: fence)
        #expect(Array(snapshot.pendingTransactions.keys) == [9])
        await zk.close()
    }

    @Test func theZNodeCodecRejectsWhatKafkasFormatDoesNotAllow() throws {
        let path = "/consumers/g/txn_offsets/1"
        func decode(_ text: String) throws -> PendingTransactionalOffsets { try TxnOffsetsZNode.decode(Array(text.utf8), path: path) }
        let entry = #"{"topic":"t","partition":0,"offset":5,"leader_epoch":2,"metadata":"m","commit_timestamp":"17"}"#
        let value = try decode(#"{"version":1,"transactional_id":"x","producer_epoch":3,"offsets":["# + entry + "]}")
        #expect(value == PendingTransactionalOffsets(
            transactionalId: "x", producerEpoch: 3,
            offsets: [TopicPartition("t", 0): OffsetAndMetadata(offset: 5, leaderEpoch: 2, metadata: "m", commitTimestampMs: 17)]))
        #expect(try TxnOffsetsZNode.decode(TxnOffsetsZNode.encode(value), path: path) == value)
        #expect(throws: ZkDataError.self) { try decode(#"{"version":1,"transactional_id":"x","producer_epoch":40000,"offsets":[]}"#) }
        #expect(throws: ZkDataError.self) {
            try decode(#"{"version":1,"transactional_id":"x","producer_epoch":1,"offsets":["# + entry.replacingOccurrences(of: "\"partition\":0", with: "\"partition\":-1") + "]}")
        }
        #expect(throws: ZkDataError.self) {
            try decode(#"{"version":1,"transactional_id":"x","producer_epoch":1,"offsets":["# + entry.replacingOccurrences(of: "\"17\"", with: "\"soon\"") + "]}")
        }
    }

    private func zk(_ session: KafkaZkClient, _ path: String) async throws -> String? { try await session.text(path) }
}
