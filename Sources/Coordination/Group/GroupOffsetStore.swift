import KafkaProtocol
import Logging
import ZooKeeper

/// Consumer groups' committed offsets in ZooKeeper, written only by the group's current coordinator.
///
/// Layout (see `ZkPaths`): `/consumers/<g>/offsets/<t>/<p>` holds the offset as decimal text, exactly as Kafka's
/// ZooKeeper offset storage kept it; `/consumers/<g>/offsets_metadata/<t>/<p>` the rest of the commit as JSON,
/// always written in the same multi-op; `/consumers/<g>/txn_offsets/<producerId>` the offsets of a producer's open
/// transaction; `/consumers/<g>/coordinator` the fence.
///
/// Fencing: a broker that becomes a group's coordinator calls `claim`, which rewrites the coordinator znode
/// conditionally and returns a `GroupFence` holding its new zkVersion. Every write for the group (commit, delete
/// offsets, delete group) is a multi-op that also checks that version, so after another broker's claim nothing
/// from the old coordinator lands, not even from a broker that was frozen past its session and wakes up.
///
/// Batching: commits and deletes (of any groups) that arrive while a multi-op is in flight wait and go together in
/// the next one, so ZooKeeper sees a few large transactions instead of one per OffsetCommit. One call is all or
/// nothing: it is never split over two multi-ops, and one too large for a multi-op alone (`MultiOpLimits`) is refused
/// with `tooLarge`. When a merged multi-op is refused, only the call owning the refused step fails (`fenced`, or,
/// for a stale idea of which znodes exist, it is retried alone once after reading the group's tree again); the
/// others go again. Calls for one group are applied in the order they arrived. A connection loss or session expiry
/// fails every call of the multi-op in flight with `zooKeeper(_)`: its outcome is unknown.
///
/// Errors: every call throws only `GroupStoreError`.
///
/// Concurrency: an actor; `session` is asked for the current ZooKeeper session at each multi-op and read, since
/// the broker replaces its session after an expiry. Calls waiting for a multi-op are not cancellable: once handed
/// to ZooKeeper a write cannot be taken back.
public actor GroupOffsetStore {
    /// Counters for tests and metrics.
    public struct Statistics: Sendable, Hashable {
        /// Multi-ops sent to ZooKeeper for writes (merged batches and lone retries).
        public var multiOps = 0
        /// Calls whose writes ZooKeeper applied.
        public var writesApplied = 0
    }

    /// Bound on the read-compute-write loop of one claim; each lost race means another broker claimed meanwhile.
    public static let claimAttemptsMax = 5
    /// Reads of znodes in flight at once while loading a group or listing groups.
    static let readsInFlightMax = 64

    let session: @Sendable () -> KafkaZkClient
    let logger: Logger
    public nonisolated let limits: MultiOpLimits

    /// Which znodes exist under each group this broker wrote or read, with the generation of that knowledge.
    var known: [String: KnownGroup] = [:]
    var generationLast: UInt64 = 0
    /// Writes waiting for the next multi-op, in arrival order.
    var pending: [PendingWrite] = []
    var draining = false
    /// Test hook (`holdWrites`): writes queue but no multi-op is sent.
    var writesHeld = false
    public internal(set) var statistics = Statistics()

    /// - Parameter session: the current ZooKeeper session (it changes after an expiry).
    public init(session: @escaping @Sendable () -> KafkaZkClient, limits: MultiOpLimits = .default, logger: Logger) {
        self.session = session
        self.limits = limits
        self.logger = logger
    }

    /// Makes this broker the group's coordinator: reads `/consumers/<g>/coordinator` and rewrites it (creates it when
    /// absent) with `coordinator_epoch` + 1 and `brokerId`, conditional on the version read. A broker claiming a
    /// group it already holds bumps the epoch too. Retries a lost race up to `claimAttemptsMax` times.
    public func claim(group: String, brokerId: Int32) async throws -> GroupFence {
        try Self.validate(group: group)
        known[group] = nil  // whoever held the group before may have changed its tree
        return try await Self.mapErrors {
            try await Self.claimCoordinator(group: group, brokerId: brokerId, zk: session(), logger: logger)
        }
    }

    /// Every committed offset of the group. A missing or malformed metadata znode gives defaults (no leader epoch,
    /// empty metadata, the offset znode's mtime as commit time); a malformed offset znode is skipped with a log
    /// line. Throws `fenced` when another broker claimed the group by the end of the reads.
    public func load(group: String, fence: GroupFence) async throws -> [TopicPartition: OffsetAndMetadata] {
        try await loadGroup(group: group, fence: fence).offsets
    }

    /// Writes the offsets and their metadata znodes of all `offsets` in one multi-op, all or nothing.
    public func commit(group: String, fence: GroupFence, offsets: [TopicPartition: OffsetAndMetadata]) async throws {
        Self.require(fence, of: group)
        try Self.validate(group: group, partitions: offsets.keys)
        guard !offsets.isEmpty else { return }
        let entries = offsets.sorted { $0.key < $1.key }.map {
            EncodedCommit(
                partition: $0.key, offset: ConsumerOffsetZNode.encode($0.value.offset),
                metadata: ConsumerOffsetMetadataZNode.encode($0.value))
        }
        let change = GroupChange.commit(entries)
        // Sized as if no znode of the group existed yet: the most steps this commit can take.
        let (operations, bytes) = estimate(change, group: group, over: .absent)
        guard limits.allows(operations: operations, bytes: bytes) else {
            throw GroupStoreError.tooLarge(group: group, bytes: bytes, operations: operations)
        }
        try await submit(change, fence: fence)
    }

    /// Deletes the offset and metadata znodes of `partitions` (absent ones are fine), and each topic's znode left
    /// empty. Many partitions go in several fenced multi-ops, each all or nothing.
    public func deleteOffsets(group: String, fence: GroupFence, partitions: some Collection<TopicPartition>) async throws {
        Self.require(fence, of: group)
        try Self.validate(group: group, partitions: partitions)
        for chunk in deletionChunks(of: Set(partitions).sorted(), group: group) {
            try await submit(.deleteOffsets(chunk), fence: fence)
        }
    }

    /// Deletes the group's `offsets` and `offsets_metadata` trees. `/consumers/<g>` and its coordinator znode stay:
    /// deleting that znode would restart its version at 0, where an old fence could pass the check again. A group
    /// too large for one multi-op loses its offsets in chunks first (a fenced call may then stop halfway).
    public func deleteGroup(group: String, fence: GroupFence) async throws {
        Self.require(fence, of: group)
        try Self.validate(group: group)
        let nodes: GroupZNodes
        if let knowledge = known[group] {
            nodes = knowledge.nodes
        } else {
            nodes = try await Self.mapErrors { try await Self.scan(group: group, zk: session()) }
            install(nodes, for: group, ifGeneration: nil)
        }
        let (operations, bytes) = estimate(.deleteGroup, group: group, over: nodes)
        if !limits.allows(operations: operations, bytes: bytes) {
            try await deleteOffsets(group: group, fence: fence, partitions: nodes.partitions)
        }
        try await submit(.deleteGroup, fence: fence)
    }

    /// The groups under `/consumers` with at least one committed offset, sorted.
    public nonisolated func groupsWithOffsets() async throws -> [String] {
        try await Self.mapErrors { try await Self.readGroupsWithOffsets(zk: session()) }
    }

    /// Forgets what this store knows about the group's znodes: the broker no longer coordinates it.
    public func release(group: String) {
        known[group] = nil
    }
}
