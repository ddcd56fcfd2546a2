import Coordination
import KafkaProtocol

/// One consumer group on its coordinator, without I/O (Kafka's `GroupMetadata` plus the decisions of its
/// `GroupCoordinator`): members, generation, protocol, leader, committed offsets, and every timer as a deadline.
///
/// Each event (join, sync, heartbeat, leave, commit, a timer firing, a topic's partition count changing) comes in
/// with `nowMs` and returns `GroupAction`s for the driver: answer these requests, write these offsets, call back
/// at this time. The driver owns no group logic; tests drive this type one transition per line.
///
/// Invariants: the leader, when set, is a member; `staticMembers` maps each static member's instance id to its
/// current member id; a member waits on at most one JoinGroup and one SyncGroup; in Empty and Dead there are no
/// members.
struct GroupMetadata: Sendable {
    let groupId: String
    let config: GroupConfig
    private(set) var state: GroupState = .empty
    /// When the group entered its current state (for offset expiry of an Empty group).
    private(set) var stateTimestampMs: Int64
    private(set) var generationId: Int32 = 0
    private(set) var protocolType: String?
    private(set) var protocolName: String?
    private(set) var leaderId: String?
    /// Members in the order they joined (the first becomes leader when the leader leaves).
    private(set) var memberIds: [String] = []
    private(set) var members: [String: MemberMetadata] = [:]
    /// Members that got MEMBER_ID_REQUIRED and have until the deadline to join with their id.
    private(set) var pendingMembers: [String: Int64] = [:]
    /// group.instance.id -> member id.
    private(set) var staticMembers: [String: String] = [:]
    /// Topics the members subscribe to (consumer protocol only); nil when unknown.
    private(set) var subscribedTopics: Set<String>?
    /// Committed offsets, as stored in ZooKeeper (the coordinator is their only writer).
    private(set) var offsets: [TopicPartition: OffsetAndMetadata] = [:]
    /// Commits being written, by request.
    private(set) var pendingCommits: [GroupRequestID: [TopicPartition: OffsetAndMetadata]] = [:]
    /// Offsets of open transactions by producer id (TxnOffsetCommit), invisible to OffsetFetch until their commit
    /// marker (Kafka's `pendingTransactionalOffsetCommits`). Changed only by `GroupMetadata+TxnOffsets`.
    var pendingTransactions: [Int64: PendingTransaction] = [:]
    /// When each committed offset was written, as a value of `commitOrderLast`: a transaction's commit overwrites
    /// an offset only if it was written after it (Kafka compares the offsets of their `__consumer_offsets` records).
    var offsetOrders: [TopicPartition: Int64] = [:]
    /// The group's commit clock: bumped by every applied offsets write, plain or transactional.
    var commitOrderLast: Int64 = 0

    /// When the current join phase ends (PreparingRebalance only).
    private(set) var joinDeadlineMs: Int64?
    /// While the first rebalance of an empty group is held back by group.initial.rebalance.delay.ms: how much of
    /// the rebalance timeout is left to extend the delay with when more members join.
    private var initialDelayRemainingMs: Int64?
    private var newMemberAdded = false
    /// The deadline the driver was last told about.
    private var scheduledTimerMs: Int64?

    init(groupId: String, config: GroupConfig, nowMs: Int64, offsets: [TopicPartition: OffsetAndMetadata] = [:]) {
        self.groupId = groupId
        self.config = config
        self.stateTimestampMs = nowMs
        self.offsets = offsets
    }

    var size: Int { members.count }
    var isEmpty: Bool { members.isEmpty }
    var allMembers: [MemberMetadata] { memberIds.compactMap { members[$0] } }

    func has(_ memberId: String) -> Bool { members[memberId] != nil }
    func isLeader(_ memberId: String) -> Bool { leaderId == memberId }
    func isPending(_ memberId: String) -> Bool { pendingMembers[memberId] != nil }

    /// A static member whose instance id belongs to another member id (an older or duplicate instance).
    func isStaticMemberFenced(memberId: String, groupInstanceId: String?) -> Bool {
        guard let instanceId = groupInstanceId, let current = staticMembers[instanceId] else { return false }
        return current != memberId
    }

    /// The longest rebalance timeout of the members: how long a rebalance waits for them to rejoin.
    var rebalanceTimeoutMs: Int64 {
        Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
    }

    var hasAllMembersJoined: Bool {
        members.values.allSatisfy { $0.awaitingJoin != nil } && pendingMembers.isEmpty
    }

    /// Whether the group is subscribed to `topic`; a consumer group whose subscriptions cannot be read counts as
    /// subscribed to everything, so nothing it may consume is dropped.
    func isSubscribed(to topic: String) -> Bool {
        guard protocolType == ConsumerProtocol.protocolType else { return false }
        return subscribedTopics?.contains(topic) ?? true
    }

    // MARK: state changes shared by the event handlers

    mutating func transition(to next: GroupState, nowMs: Int64) {
        state = next
        stateTimestampMs = nowMs
    }

    /// Adds a member (Kafka's `GroupMetadata.add`): the first member sets the protocol type and becomes leader.
    mutating func add(_ member: MemberMetadata) {
        assert(members[member.memberId] == nil, "a member joins once")
        if members.isEmpty { protocolType = member.protocolType }
        if leaderId == nil { leaderId = member.memberId }
        members[member.memberId] = member
        memberIds.append(member.memberId)
        pendingMembers[member.memberId] = nil
        if let instanceId = member.groupInstanceId { staticMembers[instanceId] = member.memberId }
    }

    /// Removes a member; a leader that leaves hands leadership to the oldest remaining member.
    mutating func remove(_ memberId: String) {
        guard let member = members.removeValue(forKey: memberId) else { return }
        memberIds.removeAll { $0 == memberId }
        if let instanceId = member.groupInstanceId, staticMembers[instanceId] == memberId {
            staticMembers[instanceId] = nil
        }
        if leaderId == memberId { leaderId = memberIds.first }
    }

    mutating func update(_ memberId: String, _ change: (inout MemberMetadata) -> Void) {
        guard var member = members[memberId] else { return }
        change(&member)
        members[memberId] = member
    }

    /// Gives a static member's slot to a new member id (Kafka's `replaceStaticMember`): the old id's waiting
    /// requests are fenced, the member keeps its assignment and, if it led, its leadership.
    mutating func replaceStaticMember(instanceId: String, oldMemberId: String, newMemberId: String) -> [GroupAction] {
        guard var member = members.removeValue(forKey: oldMemberId) else { return [] }
        var actions: [GroupAction] = []
        if let join = member.awaitingJoin {
            actions.append(.completeJoin(join, .failure(.fencedInstanceId, memberId: oldMemberId)))
        }
        if let sync = member.awaitingSync { actions.append(.completeSync(sync, .failure(.fencedInstanceId))) }
        member.awaitingJoin = nil
        member.awaitingSync = nil
        member.memberId = newMemberId
        members[newMemberId] = member
        if let index = memberIds.firstIndex(of: oldMemberId) { memberIds[index] = newMemberId }
        if leaderId == oldMemberId { leaderId = newMemberId }
        staticMembers[instanceId] = newMemberId
        return actions
    }

    /// Protocols every member supports.
    var candidateProtocols: Set<String> {
        guard let first = allMembers.first else { return [] }
        var candidates = Set(first.protocols.map(\.name))
        for member in allMembers.dropFirst() { candidates.formIntersection(member.protocols.map(\.name)) }
        return candidates
    }

    /// Whether a member with these protocols may join (Kafka's `supportsProtocols`).
    func supportsProtocols(type memberProtocolType: String, _ protocols: [MemberMetadata.SupportedProtocol]) -> Bool {
        if isEmpty { return !memberProtocolType.isEmpty && !protocols.isEmpty }
        return protocolType == memberProtocolType && protocols.contains { candidateProtocols.contains($0.name) }
    }

    /// The protocol for the next generation: each member votes for its most preferred candidate and the most
    /// votes win; ties go to the protocol the oldest member prefers (Kafka leaves ties to hash order).
    func selectProtocol() -> String? {
        let candidates = candidateProtocols
        var votes: [String: Int] = [:]
        for member in allMembers {
            if let vote = member.vote(among: candidates) { votes[vote, default: 0] += 1 }
        }
        let best = votes.values.max() ?? 0
        let preference = allMembers.first?.protocols.map(\.name) ?? []
        return preference.first { votes[$0] == best } ?? votes.keys.sorted().first
    }

    /// Reads the topics of every member's subscription; nil when the group is not a consumer group or a
    /// subscription does not parse.
    func computeSubscribedTopics() -> Set<String>? {
        guard protocolType == ConsumerProtocol.protocolType, let protocolName else { return nil }
        var topics = Set<String>()
        for member in allMembers {
            guard let bytes = member.metadata(for: protocolName),
                let subscription = try? ConsumerProtocolSubscription(decoding: bytes)
            else { return nil }
            topics.formUnion(subscription.topics)
        }
        return topics
    }

    /// The metadata of every member for the chosen protocol, for the leader's JoinGroup answer.
    var currentMemberMetadata: [JoinGroupResult.Member] {
        guard let protocolName else { return [] }
        return allMembers.map {
            JoinGroupResult.Member(
                memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata(for: protocolName) ?? [])
        }
    }

    // MARK: timers

    /// The earliest deadline among session timers, pending members and the join phase.
    var nextDeadlineMs: Int64? {
        var deadlines = members.values.compactMap(\.heartbeatDeadlineMs) + pendingMembers.values
        if let joinDeadlineMs { deadlines.append(joinDeadlineMs) }
        return deadlines.min()
    }

    /// Appends a `scheduleTimer` action when the earliest deadline changed since the driver was last told.
    mutating func withTimer(_ actions: [GroupAction]) -> [GroupAction] {
        let next = nextDeadlineMs
        guard next != scheduledTimerMs else { return actions }
        scheduledTimerMs = next
        return actions + [.scheduleTimer(atMs: next)]
    }

    mutating func scheduleHeartbeat(_ memberId: String, nowMs: Int64, timeoutMs: Int64? = nil) {
        update(memberId) { member in
            member.heartbeatDeadlineMs = nowMs + (timeoutMs ?? Int64(member.sessionTimeoutMs))
        }
    }

    mutating func setJoinPhase(deadlineMs: Int64?, initialDelayRemainingMs: Int64? = nil) {
        joinDeadlineMs = deadlineMs
        self.initialDelayRemainingMs = initialDelayRemainingMs
    }

    mutating func noteNewMemberAdded() {
        if state == .preparingRebalance, generationId == 0 { newMemberAdded = true }
    }

    /// Kafka's `InitialDelayedJoin.onComplete`: while members keep joining an empty group's first rebalance, the
    /// delay starts again, until the rebalance timeout is used up. Returns false when the join phase should end.
    mutating func extendInitialDelay(nowMs: Int64) -> Bool {
        guard let remaining = initialDelayRemainingMs, newMemberAdded, remaining > 0 else { return false }
        newMemberAdded = false
        let delay = min(Int64(config.initialRebalanceDelayMs), remaining)
        setJoinPhase(deadlineMs: nowMs + delay, initialDelayRemainingMs: max(remaining - delay, 0))
        return true
    }

    var isInInitialDelay: Bool { initialDelayRemainingMs != nil }

    // MARK: offsets

    mutating func setOffsets(_ committed: [TopicPartition: OffsetAndMetadata]) {
        offsets.merge(committed) { _, new in new }
        let order = nextCommitOrder()
        for partition in committed.keys { offsetOrders[partition] = order }
    }

    /// Sets one committed offset at its place on the commit clock (a transaction's commit, a load).
    mutating func setOffset(_ offset: OffsetAndMetadata, for partition: TopicPartition, order: Int64) {
        offsets[partition] = offset
        offsetOrders[partition] = order
    }

    /// The next value of the group's commit clock.
    mutating func nextCommitOrder() -> Int64 {
        commitOrderLast += 1
        return commitOrderLast
    }

    /// Forgets the offsets of `partitions`, the committed ones and, as Kafka's `removeOffsets`, those open
    /// transactions committed for them.
    mutating func removeOffsets(_ partitions: some Sequence<TopicPartition>) {
        for partition in partitions {
            offsets[partition] = nil
            offsetOrders[partition] = nil
            for producerId in Array(pendingTransactions.keys) {
                pendingTransactions[producerId]?.offsets[partition] = nil
                if pendingTransactions[producerId]?.offsets.isEmpty == true { pendingTransactions[producerId] = nil }
            }
        }
    }

    mutating func addPendingCommit(_ id: GroupRequestID, _ commit: [TopicPartition: OffsetAndMetadata]) {
        pendingCommits[id] = commit
    }

    mutating func takePendingCommit(_ id: GroupRequestID) -> [TopicPartition: OffsetAndMetadata]? {
        pendingCommits.removeValue(forKey: id)
    }

    mutating func setGeneration(_ generation: Int32, protocolName: String?) {
        generationId = generation
        self.protocolName = protocolName
        subscribedTopics = computeSubscribedTopics()
    }

    /// Forgets members, pending members, pending commits and the join phase (the group is being unloaded).
    mutating func clearMembership() {
        members = [:]
        memberIds = []
        staticMembers = [:]
        pendingMembers = [:]
        pendingCommits = [:]
        leaderId = nil
        setJoinPhase(deadlineMs: nil)
    }

    mutating func setLeader(_ memberId: String?) { leaderId = memberId }
    mutating func setPending(_ memberId: String, deadlineMs: Int64?) { pendingMembers[memberId] = deadlineMs }
    mutating func refreshSubscribedTopics() { subscribedTopics = computeSubscribedTopics() }
}
