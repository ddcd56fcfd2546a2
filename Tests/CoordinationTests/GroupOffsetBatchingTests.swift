import KafkaProtocol
import Foundation
import Testing
import ZooKeeper

@testable import Coordination

/// Commits of many groups merged into few multi-ops, failures pinned on the call that caused them, size limits,
/// ZooKeeper failures and corrupt znodes, against a real ZooKeeper.
@Suite("Group offset batching in ZooKeeper")
struct GroupOffsetBatchingTests {
    private typealias F = GroupStoreFixture

    /// 500 concurrent one-partition commits (50 groups x 10 partitions) all land, in far fewer multi-ops.
    @Test func concurrentCommitsOfFiftyGroupsAreMerged() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        var fences: [GroupFence] = []
        for g in 0..<50 { fences.append(try await store.claim(group: "group-\(g)", brokerId: 1)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for fence in fences {
                for p: Int32 in 0..<10 {
                    group.addTask {
                        try await store.commit(group: fence.group, fence: fence, offsets: [TopicPartition("t", p): F.offset(Int64(p) * 7)])
                    }
                }
            }
            try await group.waitForAll()
        }
        for fence in fences {
            for p: Int32 in 0..<10 {
                #expect(try await zk.text(ZkPaths.consumerOffset(group: fence.group, topic: "t", partition: p)) == String(p * 7))
            }
        }
        let statistics = await store.statistics
        #expect(statistics.writesApplied == 500)
        #expect(statistics.multiOps < 100, "500 commits took \(statistics.multiOps) multi-ops")
    }

    /// In one merged multi-op, the group another broker claimed fails with `fenced` and writes nothing; the other
    /// groups' commits go again and land: two multi-ops in all.
    @Test func aFencedGroupInAMergedBatchDoesNotFailTheOthers() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let (zk, rival) = (try await TestZooKeeper.session(config), try await TestZooKeeper.session(config))
        let store = F.store(zk)
        var fences: [GroupFence] = []
        for g in 0..<10 { fences.append(try await store.claim(group: "g\(g)", brokerId: 1)) }
        _ = try await F.store(rival).claim(group: "g3", brokerId: 2)

        let results = try await store.merged(fences.map { fence in
            { try await store.commit(group: fence.group, fence: fence, offsets: F.offsets("t", 0..<3, at: 5)) }
        })
        for (fence, result) in zip(fences, results) {
            if fence.group == "g3" {
                #expect(result.failure == .fenced(group: "g3", zkVersion: 0))
                #expect(try await zk.zooKeeper.exists(ZkPaths.consumerOffsetsRoot(group: "g3")) == nil)
            } else {
                #expect(result.failure == nil, "\(fence.group)")
                #expect(try await zk.text(ZkPaths.consumerOffset(group: fence.group, topic: "t", partition: 2)) == "5")
            }
        }
        #expect(await store.statistics == .init(multiOps: 2, writesApplied: 9))
        await zk.close()
        await rival.close()
    }

    /// A call too large for one multi-op is refused whole; calls that together exceed the limits are spread over
    /// several multi-ops, each call still whole.
    @Test func limitsRefuseOneHugeCommitAndSplitMergedOnes() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk, limits: MultiOpLimits(bytesMax: 8 * 1024, operationsMax: 4000))
        let fence = try await store.claim(group: "big", brokerId: 1)
        do {
            try await store.commit(group: "big", fence: fence, offsets: F.offsets("t", 0..<100, at: 1))
            Issue.record("a commit over the limits was accepted")
        } catch GroupStoreError.tooLarge(let group, let bytes, let operations) {
            #expect(group == "big" && bytes > 8 * 1024 && operations == 205)
        }
        #expect(try await zk.zooKeeper.exists(ZkPaths.consumerOffsetsRoot(group: "big")) == nil)

        var fences: [GroupFence] = []
        for g in 0..<20 { fences.append(try await store.claim(group: "g\(g)", brokerId: 1)) }
        let results = try await store.merged(fences.map { fence in
            { try await store.commit(group: fence.group, fence: fence, offsets: F.offsets("t", 0..<5, at: 3)) }
        })
        #expect(results.allSatisfy { $0.failure == nil })
        for fence in fences {
            #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerOffsets(group: fence.group, topic: "t")).count == 5)
        }
        let multiOps = await store.statistics.multiOps
        #expect(multiOps > 1 && multiOps < 20, "20 commits took \(multiOps) multi-ops")

        // A group too large to delete in one multi-op is deleted in chunks.
        for first in stride(from: Int32(0), to: 60, by: 5) {
            try await store.commit(group: "big", fence: fence, offsets: F.offsets("t", first..<first + 5, at: 1))
        }
        try await store.deleteGroup(group: "big", fence: fence)
        #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerGroup("big")) == ["coordinator"])
        await zk.close()
    }

    /// A session that ends under queued writes fails each of them with `zooKeeper`: their outcome is unknown.
    @Test func aLostSessionFailsEveryWriteInFlight() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        _ = try await store.load(group: "g", fence: fence)
        await store.holdWrites()
        let calls = try await withThrowingTaskGroup(of: GroupStoreError?.self) { group in
            for p: Int32 in 0..<5 {
                group.addTask {
                    do {
                        try await store.commit(group: "g", fence: fence, offsets: [TopicPartition("t", p): F.offset(1)])
                        return nil
                    } catch let error as GroupStoreError {
                        return error
                    }
                }
            }
            while await store.pendingWriteCount < 5 { try await Task.sleep(for: .milliseconds(5)) }
            await zk.close()
            await store.releaseWrites()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(calls == Array(repeating: .zooKeeper(.closed), count: 5))
        #expect(await store.statistics.multiOps == 1)
    }

    /// Garbage in any znode of a group neither traps nor blocks the group: loads skip or default, a claim goes
    /// over a garbled coordinator node, a commit overwrites a garbled offset.
    @Test func corruptZnodesAreSkippedOrRepaired() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let raw = zk.zooKeeper
        for (partition, text) in [("0", "abc"), ("1", "99999999999999999999"), ("2", "12"), ("x", "5"), ("3", "13"), ("4", "14")] {
            try await raw.createRecursively("/consumers/g/offsets/t/\(partition)", data: Array(text.utf8))
        }
        try await raw.createRecursively("/consumers/g/offsets_metadata/t/2", data: Array("{not json".utf8))
        try await raw.createRecursively(
            "/consumers/g/offsets_metadata/t/3",
            data: Array(#"{"version":1,"leader_epoch":-1,"metadata":"","commit_timestamp":"soon","expire_timestamp":"-1"}"#.utf8))
        try await raw.createRecursively(
            "/consumers/g/offsets_metadata/t/4",
            data: Array(#"{"version":1,"leader_epoch":4,"metadata":"ok","commit_timestamp":"7","expire_timestamp":"-1"}"#.utf8))
        try await raw.create(ZkPaths.consumerCoordinator(group: "g"), data: Array("garbage".utf8))

        let store = F.store(zk)
        let fence = try await store.claim(group: "g", brokerId: 1)
        #expect(fence.coordinatorEpoch == 2 && fence.zkVersion == 1, "version 0 stands for epoch 1")
        let loaded = try await store.load(group: "g", fence: fence)
        #expect(loaded.keys.sorted() == [TopicPartition("t", 2), TopicPartition("t", 3), TopicPartition("t", 4)])
        #expect(loaded[TopicPartition("t", 2)]?.offset == 12 && loaded[TopicPartition("t", 2)]?.metadata == "")
        #expect(loaded[TopicPartition("t", 3)]?.leaderEpoch == -1)
        #expect(loaded[TopicPartition("t", 4)] == OffsetAndMetadata(offset: 14, leaderEpoch: 4, metadata: "ok", commitTimestampMs: 7))

        try await store.commit(group: "g", fence: fence, offsets: [TopicPartition("t", 0): F.offset(1)])
        #expect(try await zk.text("/consumers/g/offsets/t/0") == "1")
        try await store.deleteGroup(group: "g", fence: fence)
        #expect(try await raw.getChildren(ZkPaths.consumerGroup("g")) == ["coordinator"], "the non-numeric child went too")

        try await raw.setData(
            ZkPaths.consumerCoordinator(group: "g"), data: Array(#"{"version":1,"brokerid":1,"coordinator_epoch":2147483647,"timestamp":"1"}"#.utf8))
        do {
            _ = try await store.claim(group: "g", brokerId: 1)
            Issue.record("an epoch at Int32.max was bumped")
        } catch GroupStoreError.corrupt(let path, _) {
            #expect(path == ZkPaths.consumerCoordinator(group: "g"))
        }
        await zk.close()
    }

    /// Names that cannot be znodes are refused before anything is written.
    @Test func invalidNamesAreRefused() async throws {
        let zk = try await TestZooKeeper.session(try await TestZooKeeper.freshChroot())
        let store = F.store(zk)
        await #expect(throws: GroupStoreError.invalidName("")) { _ = try await store.claim(group: "", brokerId: 1) }
        await #expect(throws: GroupStoreError.invalidName("a/b")) { _ = try await store.claim(group: "a/b", brokerId: 1) }
        let fence = try await store.claim(group: "g", brokerId: 1)
        await #expect(throws: GroupStoreError.invalidName("..")) {
            try await store.commit(group: "g", fence: fence, offsets: [TopicPartition("..", 0): F.offset(1)])
        }
        await #expect(throws: GroupStoreError.invalidName("t--1")) {
            try await store.commit(group: "g", fence: fence, offsets: [TopicPartition("t", -1): F.offset(1)])
        }
        #expect(try await zk.zooKeeper.getChildren(ZkPaths.consumerGroup("g")) == ["coordinator"])
        await zk.close()
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
