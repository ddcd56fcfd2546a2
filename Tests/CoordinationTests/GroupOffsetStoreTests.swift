import KafkaProtocol
import Foundation
import Testing
import ZooKeeper

@testable import Coordination

/// Claims, commits, loads and deletions of group offsets in a real ZooKeeper, each test in a fresh chroot.
@Suite("Group offsets in ZooKeeper")
struct GroupOffsetStoreTests {
    private typealias F = GroupStoreFixture

    /// A broker re-claiming bumps the epoch; a second broker's claim fences the first, whose writes then land
    /// nowhere, even after its session was replaced by a new one (a broker frozen past its session, woken up).
    @Test func aSecondClaimFencesTheFirstCoordinator() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let (a, b) = (try await TestZooKeeper.session(config), try await TestZooKeeper.session(config))
        let session = SwitchableSession(a)
        let first = GroupOffsetStore(session: { session.zk }, logger: F.logger)
        let second = F.store(b)

        let claimed = try await first.claim(group: "billing", brokerId: 1)
        #expect(claimed == GroupFence(group: "billing", brokerId: 1, coordinatorEpoch: 1, zkVersion: 0))
        let node = try #require(try await a.text(ZkPaths.consumerCoordinator(group: "billing")))
        #expect(node.hasPrefix(#"{"version":1,"brokerid":1,"coordinator_epoch":1,"timestamp":""#))
        try await first.commit(group: "billing", fence: claimed, offsets: [TopicPartition("orders", 0): F.offset(10)])

        let reclaimed = try await first.claim(group: "billing", brokerId: 1)
        #expect(reclaimed.coordinatorEpoch == 2 && reclaimed.zkVersion == 1)
        await #expect(throws: GroupStoreError.fenced(group: "billing", zkVersion: 0)) {
            try await first.commit(group: "billing", fence: claimed, offsets: [TopicPartition("orders", 0): F.offset(11)])
        }

        let taken = try await second.claim(group: "billing", brokerId: 2)
        #expect(taken.coordinatorEpoch == 3 && taken.zkVersion == 2)
        await a.close()
        let comeback = try await TestZooKeeper.session(config)
        session.replace(with: comeback)
        await #expect(throws: GroupStoreError.fenced(group: "billing", zkVersion: 1)) {
            try await first.commit(
                group: "billing", fence: reclaimed,
                offsets: [TopicPartition("orders", 0): F.offset(99), TopicPartition("orders", 1): F.offset(5)])
        }
        await #expect(throws: GroupStoreError.fenced(group: "billing", zkVersion: 1)) {
            _ = try await first.load(group: "billing", fence: reclaimed)
        }
        #expect(try await b.text(ZkPaths.consumerOffset(group: "billing", topic: "orders", partition: 0)) == "10")
        #expect(try await b.text(ZkPaths.consumerOffset(group: "billing", topic: "orders", partition: 1)) == nil)
        #expect(try await b.text(ZkPaths.consumerOffsetMetadata(group: "billing", topic: "orders", partition: 1)) == nil)

        try await second.commit(group: "billing", fence: taken, offsets: [TopicPartition("orders", 0): F.offset(12)])
        #expect(try await second.load(group: "billing", fence: taken) == [TopicPartition("orders", 0): F.offset(12)])
        await b.close()
        await comeback.close()
    }

    /// Brokers racing for one group all get a claim in turn (a lost race is retried); only the last one holds.
    @Test func racingClaimsEachGetTheirOwnEpoch() async throws {
        let config = try await TestZooKeeper.freshChroot()
        var sessions: [KafkaZkClient] = []
        for _ in 0..<GroupOffsetStore.claimAttemptsMax { sessions.append(try await TestZooKeeper.session(config)) }
        let stores = sessions.map { F.store($0) }
        let fences = try await withThrowingTaskGroup(of: GroupFence.self) { group in
            for (i, store) in stores.enumerated() { group.addTask { try await store.claim(group: "race", brokerId: Int32(i)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(fences.map(\.coordinatorEpoch).sorted() == Array(1...Int32(stores.count)))
        #expect(fences.map(\.zkVersion).sorted() == Array(0..<Int32(stores.count)))
        let holder = try #require(fences.max { $0.zkVersion < $1.zkVersion })
        for fence in fences {
            let store = stores[Int(fence.brokerId)]
            do {
                try await store.commit(group: "race", fence: fence, offsets: [TopicPartition("t", 0): F.offset(1)])
                #expect(fence == holder)
            } catch {
                #expect(fence != holder && error as? GroupStoreError == .fenced(group: "race", zkVersion: fence.zkVersion))
            }
        }
        for zk in sessions { await zk.close() }
    }

    /// The offset is Kafka's decimal text at Kafka's path, the rest of the commit its JSON sibling.
    @Test func commitWritesKafkasTextAndTheMetadataSibling() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "billing", brokerId: 1)
        let partition = TopicPartition("orders", 0)
        let value = OffsetAndMetadata(offset: 4711, leaderEpoch: 3, metadata: "{\"a\":\"b/c\"}\n", commitTimestampMs: F.commitTimeMs)
        try await store.commit(group: "billing", fence: fence, offsets: [partition: value])
        #expect(try await zk.text("/consumers/billing/offsets/orders/0") == "4711")
        #expect(try await zk.text("/consumers/billing/offsets_metadata/orders/0")
            == #"{"version":1,"leader_epoch":3,"metadata":"{\"a\":\"b/c\"}\n","commit_timestamp":"1732400000000","expire_timestamp":"-1"}"#)

        var next = value
        next.offset = 4712
        next.expireTimestampMs = 1_732_500_000_000
        try await store.commit(group: "billing", fence: fence, offsets: [partition: next])
        #expect(try await zk.text("/consumers/billing/offsets/orders/0") == "4712")
        #expect(try await zk.text("/consumers/billing/offsets_metadata/orders/0")?.hasSuffix(#""expire_timestamp":"1732500000000"}"#) == true)
        #expect(await store.statistics == .init(multiOps: 2, writesApplied: 2), "one multi-op per lone commit, no retries")
        await zk.close()
    }

    /// A commit of many partitions, new and existing, over two topics lands whole or not at all.
    @Test func aManyPartitionCommitIsAllOrNothing() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let (zk, rival) = (try await TestZooKeeper.session(config), try await TestZooKeeper.session(config))
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.commit(group: "g", fence: fence, offsets: F.offsets("orders", 0..<50, at: 1))
        _ = try await F.store(rival).claim(group: "g", brokerId: 2)

        var offsets = F.offsets("orders", 0..<100, at: 2)
        offsets.merge(F.offsets("payments", 0..<10, at: 2)) { $1 }
        await #expect(throws: GroupStoreError.fenced(group: "g", zkVersion: 0)) {
            try await store.commit(group: "g", fence: fence, offsets: offsets)
        }
        for partition: Int32 in 0..<50 { #expect(try await zk.text(ZkPaths.consumerOffset(group: "g", topic: "orders", partition: partition)) == "1") }
        #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerOffsets(group: "g", topic: "orders")).count == 50)
        #expect(try await zk.zooKeeper.exists(ZkPaths.consumerOffsets(group: "g", topic: "payments")) == nil)
        #expect(try await zk.zooKeeper.exists(ZkPaths.consumerOffsetsMetadata(group: "g", topic: "payments")) == nil)
        await zk.close()
        await rival.close()
    }

    /// Znodes changed behind the store's back (the controller deleting a topic's metadata, another writer's node)
    /// make one multi-op fail; the store reads the group's tree again and the retry lands.
    @Test func aStaleIdeaOfTheTreeIsRereadAndRetriedOnce() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        try await store.commit(group: "g", fence: fence, offsets: F.offsets("orders", 0..<3, at: 1))
        try await zk.zooKeeper.deleteRecursively(ZkPaths.consumerOffsetsMetadata(group: "g", topic: "orders"))
        try await zk.zooKeeper.create(ZkPaths.consumerOffset(group: "g", topic: "orders", partition: 7), data: Array("70".utf8))

        try await store.commit(
            group: "g", fence: fence, offsets: [TopicPartition("orders", 0): F.offset(5), TopicPartition("orders", 7): F.offset(8)])
        #expect(try await zk.text(ZkPaths.consumerOffset(group: "g", topic: "orders", partition: 0)) == "5")
        #expect(try await zk.text(ZkPaths.consumerOffset(group: "g", topic: "orders", partition: 7)) == "8")
        #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerOffsetsMetadata(group: "g", topic: "orders")).sorted() == ["0", "7"])
        #expect(await store.statistics == .init(multiOps: 3, writesApplied: 2), "the second commit took a refused and a retried multi-op")
        await zk.close()
    }

    /// What a commit wrote, a fresh store (another broker) reads back exactly; Kafka's own offsets without a
    /// metadata znode come with defaults; and the knowledge from loading makes the next commit a plain setData.
    @Test func loadRoundTripsOffsetsAndMetadata() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let writer = F.store(zk)
        let fence = try await writer.claim(group: "g", brokerId: 1)
        let committed: [TopicPartition: OffsetAndMetadata] = [
            TopicPartition("orders", 0): OffsetAndMetadata(offset: 10, leaderEpoch: 2, metadata: "m1", commitTimestampMs: 5, expireTimestampMs: 9),
            TopicPartition("orders", 1): F.offset(20),
            TopicPartition("payments", 3): F.offset(30, metadata: "ü \"q\""),
        ]
        try await writer.commit(group: "g", fence: fence, offsets: committed)
        try await zk.zooKeeper.createRecursively(ZkPaths.consumerOffset(group: "g", topic: "legacy", partition: 0), data: Array("77".utf8))

        let reader = F.store(zk)
        let taken = try await reader.claim(group: "g", brokerId: 2)
        var loaded = try await reader.load(group: "g", fence: taken)
        let removed = loaded.removeValue(forKey: TopicPartition("legacy", 0))
        let legacy = try #require(removed)
        #expect(loaded == committed)
        #expect(legacy.offset == 77 && legacy.leaderEpoch == -1 && legacy.metadata == "" && legacy.expireTimestampMs == nil)
        #expect(legacy.commitTimestampMs > F.commitTimeMs, "the znode's mtime")

        try await reader.commit(group: "g", fence: taken, offsets: [TopicPartition("legacy", 0): F.offset(78)])
        #expect(await reader.statistics.multiOps == 1, "the load told it which znodes exist: no refused first try")
        #expect(try await zk.text(ZkPaths.consumerOffset(group: "g", topic: "legacy", partition: 0)) == "78")
        await zk.close()
    }

    /// Deleting offsets removes emptied topic znodes; deleting the group keeps `/consumers/<g>` and its
    /// coordinator znode, so the next claim still bumps epoch and version and the old fence stays dead.
    @Test func deleteGroupKeepsTheCoordinatorNode() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        var offsets = F.offsets("orders", 0..<2, at: 1)
        offsets[TopicPartition("payments", 0)] = F.offset(3)
        try await store.commit(group: "g", fence: fence, offsets: offsets)
        let other = try await store.claim(group: "other", brokerId: 1)
        try await store.commit(group: "other", fence: other, offsets: F.offsets("orders", 0..<1, at: 1))

        try await store.deleteOffsets(group: "g", fence: fence, partitions: [TopicPartition("orders", 0)])
        #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerOffsets(group: "g", topic: "orders")) == ["1"])
        try await store.deleteOffsets(group: "g", fence: fence, partitions: [TopicPartition("orders", 1), TopicPartition("orders", 9)])
        #expect(try await zk.zooKeeper.exists(ZkPaths.consumerOffsets(group: "g", topic: "orders")) == nil)
        #expect(try await zk.zooKeeper.exists(ZkPaths.consumerOffsetsMetadata(group: "g", topic: "orders")) == nil)

        try await store.deleteGroup(group: "g", fence: fence)
        #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerGroup("g")) == ["coordinator"])
        #expect(try await store.groupsWithOffsets() == ["other"])

        let again = try await F.store(zk).claim(group: "g", brokerId: 2)
        #expect(again.coordinatorEpoch == fence.coordinatorEpoch + 1 && again.zkVersion == fence.zkVersion + 1)
        await #expect(throws: GroupStoreError.fenced(group: "g", zkVersion: fence.zkVersion)) {
            try await store.commit(group: "g", fence: fence, offsets: F.offsets("orders", 0..<1, at: 2))
        }
        await zk.close()
    }

    /// Only groups with a partition znode under `offsets` count: not a bare coordinator node, not an empty topic.
    @Test func groupsWithOffsetsListsOnlyGroupsWithAnOffset() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "a", brokerId: 1)
        try await store.commit(group: "a", fence: fence, offsets: F.offsets("t", 0..<1, at: 1))
        _ = try await store.claim(group: "b", brokerId: 1)
        try await zk.zooKeeper.createRecursively(ZkPaths.consumerOffsets(group: "c", topic: "t"))
        try await zk.zooKeeper.createRecursively(ZkPaths.consumerOffset(group: "d", topic: "t", partition: 0), data: Array("5".utf8))
        #expect(try await store.groupsWithOffsets() == ["a", "d"])
        await zk.close()
    }
}
