import Logging
import ZooKeeper

/// The write path: calls queue as `PendingWrite`s; one drain loop packs them into multi-ops and sorts out refusals.
extension GroupOffsetStore {
    struct KnownGroup {
        var nodes: GroupZNodes
        /// Bumped by every install, so a write or read that started from older knowledge can tell.
        var generation: UInt64
    }

    struct PendingWrite {
        var fence: GroupFence
        var change: GroupChange
        /// Refused once for a stale idea of the group's znodes: the next try goes alone, and is the last.
        var retriedAlone = false
        let continuation: CheckedContinuation<Void, any Error>

        var group: String { fence.group }
    }

    /// Queues a write and waits until ZooKeeper applied it or it failed.
    func submit(_ change: GroupChange, fence: GroupFence) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(PendingWrite(fence: fence, change: change, continuation: continuation))
            startDraining()
        }
    }

    private func startDraining() {
        guard !draining, !writesHeld else { return }
        draining = true
        Task { await self.drain() }
    }

    /// Tests: from now on writes wait in the queue, so that a test decides what one multi-op holds.
    func holdWrites() {
        writesHeld = true
    }

    /// Tests: sends what waits (merged as usual) and ends `holdWrites`.
    func releaseWrites() {
        writesHeld = false
        startDraining()
    }

    var pendingWriteCount: Int { pending.count }

    /// Sends multi-ops while writes wait; what arrives meanwhile joins the next one.
    private func drain() async {
        while !pending.isEmpty && !writesHeld {
            let zk = session()
            await learnPendingGroups(zk: zk)
            guard let batch = takeBatch(chrootBytes: zk.zooKeeper.connectString.chroot?.utf8.count ?? 0) else { continue }
            await apply(batch, zk: zk)
        }
        draining = false
    }

    /// Reads the znode trees of groups with waiting writes that this store knows nothing about.
    private func learnPendingGroups(zk: KafkaZkClient) async {
        let unknown = Set(pending.map(\.group)).filter { known[$0] == nil }.sorted()
        guard !unknown.isEmpty else { return }
        let scans = await concurrentMap(unknown, limit: Self.readsInFlightMax) { group -> Result<GroupZNodes, GroupStoreError> in
            do {
                return .success(try await Self.scan(group: group, zk: zk))
            } catch {
                return .failure(Self.storeError(error))
            }
        }
        for (group, result) in zip(unknown, scans) {
            switch result {
            case .success(let nodes):
                if known[group] == nil { install(nodes, for: group, ifGeneration: nil) }
            case .failure(let error):
                logger.warning("Could not read the offsets tree of group \(group): \(error)")
                fail(pending.filter { $0.group == group }, with: error)
                pending.removeAll { $0.group == group }
            }
        }
    }

    /// Takes writes from the head of the queue, in order, into one multi-op within `limits`: the fence checks
    /// first (one per fence), then each write's steps planned against the knowledge as the earlier ones leave it.
    /// Nil when the first write's group is unknown again (released meanwhile).
    private func takeBatch(chrootBytes: Int) -> MultiOpBatch? {
        var batch = MultiOpBatch(chrootBytes: chrootBytes)
        var taken = 0
        defer { pending.removeFirst(taken) }
        for write in pending {
            if write.retriedAlone && !batch.writes.isEmpty { break }
            guard let knowledge = known[write.group] else { break }
            var nodes = batch.planned[write.group] ?? knowledge.nodes
            var steps: [ZooKeeperOperation] = []
            nodes.plan(write.change, group: write.group, into: &steps)
            guard !steps.isEmpty else {  // nothing to delete: done, with nothing written
                taken += 1
                write.continuation.resume()
                continue
            }
            let (operations, bytes) = batch.sizeAfterAdding(steps, fence: write.fence)
            guard limits.allows(operations: operations, bytes: bytes) else {
                if !batch.writes.isEmpty { break }
                taken += 1  // even alone it does not fit (its group grew since it was sized)
                write.continuation.resume(throwing: GroupStoreError.tooLarge(group: write.group, bytes: bytes, operations: operations))
                continue
            }
            taken += 1
            batch.add(write, steps: steps, planned: nodes, generation: knowledge.generation)
            if write.retriedAlone { break }
        }
        return batch.writes.isEmpty ? nil : batch
    }

    private func apply(_ batch: MultiOpBatch, zk: KafkaZkClient) async {
        statistics.multiOps += 1
        do {
            try await zk.zooKeeper.multi(batch.operations)
        } catch let refusal as ZooKeeperMultiError {
            refused(batch, refusal)
            return
        } catch {
            // Connection loss, timeout, expiry: ZooKeeper may or may not have applied it.
            logger.warning("A multi-op with \(batch.writes.count) offset writes failed, outcome unknown: \(error)")
            for group in batch.planned.keys { known[group] = nil }
            fail(batch.writes, with: Self.storeError(error))
            return
        }
        for (group, nodes) in batch.planned {
            install(nodes, for: group, ifGeneration: batch.generations[group])
        }
        statistics.writesApplied += batch.writes.count
        for write in batch.writes { write.continuation.resume() }
    }

    /// Nothing of `batch` was applied. The owner of the refused step fails (or, refused for stale knowledge, goes
    /// again alone once after a fresh read of its group); the others go back to the head of the queue, in order.
    private func refused(_ batch: MultiOpBatch, _ refusal: ZooKeeperMultiError) {
        var again: [PendingWrite] = []
        switch batch.owner(ofStep: refusal.index) {
        case .fence(let fence):
            known[fence.group] = nil
            let error: GroupStoreError
            if refusal.error == .badVersion || refusal.error == .noNode {
                logger.warning("Group \(fence.group) has a new coordinator: \(fence) no longer holds, writes refused")
                error = .fenced(group: fence.group, zkVersion: fence.zkVersion)
            } else {
                error = .zooKeeper(refusal.error)
            }
            fail(batch.writes.filter { $0.fence == fence }, with: error)
            again = batch.writes.filter { $0.fence != fence }
        case .write(let index):
            var culprit = batch.writes[index]
            known[culprit.group] = nil
            let stale = [ZooKeeperError.nodeExists, .noNode, .notEmpty].contains(refusal.error)
            if stale && !culprit.retriedAlone {
                logger.debug("Group \(culprit.group): \(refusal); reading its tree again before a retry")
                culprit.retriedAlone = true
                again = batch.writes
                again[index] = culprit
            } else {
                logger.warning("Group \(culprit.group): offsets write refused: \(refusal)")
                fail([culprit], with: .zooKeeper(refusal.error))
                again = batch.writes.enumerated().filter { $0.offset != index }.map(\.element)
            }
        case nil:
            fail(batch.writes, with: .zooKeeper(refusal.error))
        }
        pending.insert(contentsOf: again, at: 0)
    }

    private func fail(_ writes: [PendingWrite], with error: GroupStoreError) {
        for write in writes { write.continuation.resume(throwing: error) }
    }

    /// Installs knowledge of a group's znodes if nothing else was installed since `generation` was read (nil: none
    /// known then); otherwise forgets the group, whose tree is read again before its next write.
    func install(_ nodes: GroupZNodes, for group: String, ifGeneration generation: UInt64?) {
        guard known[group]?.generation == generation else {
            known[group] = nil
            return
        }
        generationLast += 1
        known[group] = KnownGroup(nodes: nodes, generation: generationLast)
    }
}
