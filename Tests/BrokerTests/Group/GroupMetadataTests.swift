import Coordination
import KafkaProtocol
import Testing

@testable import Broker

/// The group state machine, one transition per line: no sockets, no ZooKeeper, no clock but `nowMs`.
@Suite struct GroupMetadataTests {
    static let config = GroupConfig(initialRebalanceDelayMs: 0)

    static func request(
        _ memberId: String = "", instance: String? = nil, newId: String, session: Int32 = 10_000, rebalance: Int32 = 30_000,
        protocols: [(String, [UInt8])] = [("range", [1])], requireKnownMemberId: Bool = false
    ) -> JoinGroupParameters {
        JoinGroupParameters(
            memberId: memberId, groupInstanceId: instance, clientId: "client", clientHost: "/127.0.0.1",
            sessionTimeoutMs: session, rebalanceTimeoutMs: rebalance, protocolType: "consumer",
            protocols: protocols.map { .init(name: $0.0, metadata: $0.1) }, requireKnownMemberId: requireKnownMemberId,
            newMemberId: newId)
    }

    static func id(_ n: UInt64) -> GroupRequestID { GroupRequestID(rawValue: n) }

    static func joins(_ actions: [GroupAction]) -> [GroupRequestID: JoinGroupResult] {
        var result: [GroupRequestID: JoinGroupResult] = [:]
        for case .completeJoin(let id, let answer) in actions { result[id] = answer }
        return result
    }

    static func syncs(_ actions: [GroupAction]) -> [GroupRequestID: SyncGroupResult] {
        var result: [GroupRequestID: SyncGroupResult] = [:]
        for case .completeSync(let id, let answer) in actions { result[id] = answer }
        return result
    }

    static func sync(_ memberId: String, generation: Int32, assignments: [String: [UInt8]] = [:]) -> GroupMetadata.SyncParameters {
        .init(memberId: memberId, generationId: generation, assignments: assignments)
    }

    /// Two members a and b in a Stable group of generation 1, a leading, each assigned one byte.
    static func stableGroup() -> GroupMetadata {
        var group = GroupMetadata(groupId: "g", config: config, nowMs: 0)
        _ = group.join(request(newId: "a"), id: id(1), nowMs: 0)
        #expect(group.state == .completingRebalance)
        _ = group.join(request(newId: "b"), id: id(3), nowMs: 1)
        #expect(group.state == .preparingRebalance)
        _ = group.join(request("a", newId: "x"), id: id(2), nowMs: 1)  // a rejoins: everyone is in
        #expect(group.state == .completingRebalance)
        _ = group.sync(sync("b", generation: 2), id: id(4), nowMs: 2)
        _ = group.sync(sync("a", generation: 2, assignments: ["a": [0xA], "b": [0xB]]), id: id(5), nowMs: 2)
        #expect(group.state == .stable)
        return group
    }

    @Test func aNewMemberOfV4GetsMemberIdRequiredThenJoinsWithThatId() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        let first = Self.joins(group.join(Self.request(newId: "c-1", requireKnownMemberId: true), id: Self.id(1), nowMs: 0))
        #expect(first[Self.id(1)]?.error == .memberIdRequired)
        #expect(first[Self.id(1)]?.memberId == "c-1")
        #expect(group.isPending("c-1"))
        #expect(group.state == .empty)
        let second = Self.joins(group.join(Self.request("c-1", newId: "unused", requireKnownMemberId: true), id: Self.id(2), nowMs: 5))
        #expect(second[Self.id(2)] == JoinGroupResult(
            error: .noError, memberId: "c-1", generationId: 1, protocolType: "consumer", protocolName: "range",
            leaderId: "c-1", members: [.init(memberId: "c-1", metadata: [1])]))
        #expect(group.state == .completingRebalance)
    }

    @Test func thePendingMemberThatNeverComesBackIsDroppedAfterItsSessionTimeout() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        let actions = group.join(Self.request(newId: "c-1", session: 6000, requireKnownMemberId: true), id: Self.id(1), nowMs: 0)
        #expect(actions.contains(.scheduleTimer(atMs: 6000)))
        _ = group.timerFired(nowMs: 6000)
        #expect(!group.isPending("c-1"))
    }

    @Test func theLeaderGetsEveryMembersMetadataAndFollowersGetNone() {
        var group = GroupMetadata(groupId: "g", config: GroupConfig(initialRebalanceDelayMs: 100), nowMs: 0)
        _ = group.join(Self.request(newId: "a", protocols: [("range", [1])]), id: Self.id(1), nowMs: 0)
        _ = group.join(Self.request(newId: "b", protocols: [("range", [2])]), id: Self.id(2), nowMs: 10)
        #expect(group.state == .preparingRebalance)
        // b joined during the delay: it starts again from the first deadline.
        var actions = group.timerFired(nowMs: 100)
        #expect(group.state == .preparingRebalance)
        #expect(actions.contains(.scheduleTimer(atMs: 200)))
        actions = group.timerFired(nowMs: 200)
        let answers = Self.joins(actions)
        #expect(answers[Self.id(1)]?.members.map(\.memberId) == ["a", "b"])
        #expect(answers[Self.id(1)]?.members.map(\.metadata) == [[1], [2]])
        #expect(answers[Self.id(2)]?.members == [])
        #expect(answers[Self.id(2)]?.leaderId == "a")
        #expect(group.generationId == 1)
    }

    @Test func syncRelaysTheLeadersAssignmentToEveryMember() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        _ = group.join(Self.request(newId: "a"), id: Self.id(1), nowMs: 0)
        _ = group.join(Self.request(newId: "b"), id: Self.id(3), nowMs: 1)
        _ = group.join(Self.request("a", newId: "x"), id: Self.id(2), nowMs: 1)
        let follower = group.sync(Self.sync("b", generation: 2), id: Self.id(4), nowMs: 2)
        #expect(Self.syncs(follower).isEmpty)  // waits for the leader
        let leader = Self.syncs(group.sync(Self.sync("a", generation: 2, assignments: ["a": [0xA], "b": [0xB]]), id: Self.id(5), nowMs: 2))
        #expect(leader[Self.id(4)]?.assignment == [0xB])
        #expect(leader[Self.id(5)]?.assignment == [0xA])
        #expect(leader[Self.id(5)]?.protocolName == "range")
        #expect(group.state == .stable)
    }

    @Test func aSyncFromAnOldGenerationIsIllegal() {
        var group = Self.stableGroup()
        let answer = Self.syncs(group.sync(Self.sync("b", generation: 1), id: Self.id(9), nowMs: 3))
        #expect(answer[Self.id(9)]?.error == .illegalGeneration)
    }

    @Test func heartbeatsReportTheRebalanceAndUnknownMembers() {
        var group = Self.stableGroup()
        #expect(group.heartbeat(memberId: "a", groupInstanceId: nil, generationId: 2, nowMs: 3).0 == .noError)
        #expect(group.heartbeat(memberId: "zz", groupInstanceId: nil, generationId: 2, nowMs: 3).0 == .unknownMemberId)
        #expect(group.heartbeat(memberId: "a", groupInstanceId: nil, generationId: 1, nowMs: 3).0 == .illegalGeneration)
        _ = group.join(Self.request(newId: "c"), id: Self.id(10), nowMs: 4)
        #expect(group.state == .preparingRebalance)
        #expect(group.heartbeat(memberId: "b", groupInstanceId: nil, generationId: 2, nowMs: 5).0 == .rebalanceInProgress)
    }

    @Test func aMemberThatLeavesMakesTheOthersRebalanceWithoutIt() {
        var group = Self.stableGroup()
        let (errors, _) = group.leave([.init(memberId: "b")], nowMs: 10)
        #expect(errors == [.noError])
        #expect(group.state == .preparingRebalance)
        let answers = Self.joins(group.join(Self.request("a", newId: "x"), id: Self.id(20), nowMs: 11))
        #expect(answers[Self.id(20)]?.generationId == 3)
        #expect(answers[Self.id(20)]?.members.map(\.memberId) == ["a"])
        #expect(group.leave([.init(memberId: "nobody")], nowMs: 12).errors == [.unknownMemberId])
    }

    @Test func aMemberWhoseSessionExpiresIsRemovedAndTheGroupRebalances() {
        var group = Self.stableGroup()
        _ = group.heartbeat(memberId: "a", groupInstanceId: nil, generationId: 2, nowMs: 9000)
        _ = group.timerFired(nowMs: 10_002)  // b last heard of at 2, session 10 s
        #expect(!group.has("b"))
        #expect(group.state == .preparingRebalance)
        // a's JoinGroup completes the rebalance at once: it is the only member left.
        let answers = Self.joins(group.join(Self.request("a", newId: "x"), id: Self.id(30), nowMs: 10_003))
        #expect(answers[Self.id(30)]?.error == .noError)
        #expect(group.state == .completingRebalance)
    }

    @Test func aMemberThatDoesNotRejoinInTimeIsDroppedWhenTheRebalanceTimesOut() {
        var group = Self.stableGroup()
        _ = group.join(Self.request("a", newId: "x"), id: Self.id(40), nowMs: 100)
        #expect(group.state == .preparingRebalance)
        let answers = Self.joins(group.timerFired(nowMs: 100 + 30_000))
        #expect(answers[Self.id(40)]?.members.map(\.memberId) == ["a"])
        #expect(!group.has("b"))
    }

    @Test func theLastMemberLeavingEmptiesTheGroupWithANewGeneration() {
        var group = Self.stableGroup()
        _ = group.leave([.init(memberId: "a"), .init(memberId: "b")], nowMs: 50)
        #expect(group.state == .empty)
        #expect(group.generationId == 3)
        #expect(group.leaderId == nil)
    }

    @Test func aJoinWithUnsupportedProtocolsIsInconsistent() {
        var group = Self.stableGroup()
        let answers = Self.joins(group.join(Self.request(newId: "c", protocols: [("roundrobin", [])]), id: Self.id(50), nowMs: 3))
        #expect(answers[Self.id(50)]?.error == .inconsistentGroupProtocol)
    }

    @Test func theProtocolEveryMemberSupportsAndMostPreferIsSelected() {
        var group = GroupMetadata(groupId: "g", config: GroupConfig(initialRebalanceDelayMs: 10), nowMs: 0)
        _ = group.join(Self.request(newId: "a", protocols: [("cooperative-sticky", []), ("range", [])]), id: Self.id(1), nowMs: 0)
        _ = group.join(Self.request(newId: "b", protocols: [("range", []), ("cooperative-sticky", [])]), id: Self.id(2), nowMs: 0)
        _ = group.join(Self.request(newId: "c", protocols: [("cooperative-sticky", []), ("range", [])]), id: Self.id(3), nowMs: 0)
        _ = group.timerFired(nowMs: 10)  // members joined during the delay: it starts again
        _ = group.timerFired(nowMs: 20)
        #expect(group.protocolName == "cooperative-sticky")
    }

    @Test func theGroupIsFullAtGroupMaxSize() {
        var group = GroupMetadata(groupId: "g", config: GroupConfig(maxSize: 1, initialRebalanceDelayMs: 0), nowMs: 0)
        _ = group.join(Self.request(newId: "a"), id: Self.id(1), nowMs: 0)
        let answers = Self.joins(group.join(Self.request(newId: "b"), id: Self.id(2), nowMs: 1))
        #expect(answers[Self.id(2)]?.error == .groupMaxSizeReached)
    }

    @Test func aRestartedStaticMemberGetsItsAssignmentBackWithoutARebalance() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        _ = group.join(Self.request(instance: "i-a", newId: "a1"), id: Self.id(1), nowMs: 0)
        _ = group.join(Self.request(instance: "i-b", newId: "b1"), id: Self.id(3), nowMs: 1)
        _ = group.join(Self.request("a1", instance: "i-a", newId: "x"), id: Self.id(2), nowMs: 1)
        _ = group.sync(.init(memberId: "b1", groupInstanceId: "i-b", generationId: 2, assignments: [:]), id: Self.id(4), nowMs: 2)
        _ = group.sync(.init(memberId: "a1", groupInstanceId: "i-a", generationId: 2, assignments: ["a1": [1], "b1": [2]]), id: Self.id(5), nowMs: 2)
        #expect(group.state == .stable)
        // b restarts: a new member id with the same instance id, no LeaveGroup (static members do not send one).
        let rejoin = Self.joins(group.join(Self.request(instance: "i-b", newId: "b2"), id: Self.id(6), nowMs: 3))
        #expect(rejoin[Self.id(6)]?.error == .noError)
        #expect(rejoin[Self.id(6)]?.generationId == 2)
        #expect(rejoin[Self.id(6)]?.leaderId == "a1")
        #expect(group.state == .stable)
        let assignment = Self.syncs(group.sync(.init(memberId: "b2", groupInstanceId: "i-b", generationId: 2, assignments: [:]), id: Self.id(7), nowMs: 4))
        #expect(assignment[Self.id(7)]?.assignment == [2])
        // The old instance is fenced.
        #expect(group.heartbeat(memberId: "b1", groupInstanceId: "i-b", generationId: 2, nowMs: 5).0 == .fencedInstanceId)
    }

    @Test func aStaticMemberThatMissesTheRebalanceKeepsItsSlot() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        _ = group.join(Self.request(instance: "i-a", newId: "a1"), id: Self.id(1), nowMs: 0)
        _ = group.join(Self.request(instance: "i-b", newId: "b1", session: 60_000), id: Self.id(3), nowMs: 1)
        _ = group.join(Self.request("a1", instance: "i-a", newId: "x"), id: Self.id(2), nowMs: 1)
        _ = group.sync(.init(memberId: "a1", groupInstanceId: "i-a", generationId: 2, assignments: [:]), id: Self.id(4), nowMs: 2)
        _ = group.join(Self.request("a1", instance: "i-a", newId: "x"), id: Self.id(5), nowMs: 3)
        _ = group.timerFired(nowMs: 3 + 30_000)
        #expect(group.has("b1"))
        #expect(group.state == .completingRebalance)
    }

    @Test func commitsAreStoredOnlyAfterTheWriteSucceeds() {
        var group = Self.stableGroup()
        let tp = TopicPartition("t", 0)
        let offsets = [tp: OffsetAndMetadata(offset: 42, commitTimestampMs: 7)]
        let actions = group.commitOffsets(.init(memberId: "a", generationId: 2, offsets: offsets), id: Self.id(60), nowMs: 7)
        #expect(actions.contains(.storeOffsets(Self.id(60), offsets)))
        #expect(group.committedOffsets([tp]).isEmpty)
        #expect(group.offsetsStored(Self.id(60), error: .noError) == [.completeCommit(Self.id(60), [tp: .noError])])
        #expect(group.committedOffsets(nil)[tp]?.offset == 42)
        _ = group.commitOffsets(.init(memberId: "a", generationId: 2, offsets: [tp: .init(offset: 50, commitTimestampMs: 8)]), id: Self.id(61), nowMs: 8)
        #expect(group.offsetsStored(Self.id(61), error: .notCoordinator) == [.completeCommit(Self.id(61), [tp: .notCoordinator])])
        #expect(group.committedOffsets([tp])[tp]?.offset == 42)
    }

    @Test func commitsAreCheckedAgainstMemberAndGeneration() {
        var group = Self.stableGroup()
        let offsets = [TopicPartition("t", 0): OffsetAndMetadata(offset: 1, commitTimestampMs: 0)]
        #expect(group.commitOffsets(.init(memberId: "zz", generationId: 2, offsets: offsets), id: Self.id(70), nowMs: 1)
            == [.completeCommit(Self.id(70), [TopicPartition("t", 0): .unknownMemberId])])
        #expect(group.commitOffsets(.init(memberId: "a", generationId: 1, offsets: offsets), id: Self.id(71), nowMs: 1)
            == [.completeCommit(Self.id(71), [TopicPartition("t", 0): .illegalGeneration])])
        var empty = GroupMetadata(groupId: "solo", config: Self.config, nowMs: 0)
        #expect(empty.commitOffsets(.init(memberId: "", generationId: -1, offsets: offsets), id: Self.id(72), nowMs: 1)
            == [.storeOffsets(Self.id(72), offsets)])
    }

    @Test func onlyAnEmptyGroupCanBeDeleted() {
        var group = Self.stableGroup()
        #expect(group.markDeleted(nowMs: 1) == .nonEmptyGroup)
        _ = group.leave([.init(memberId: "a"), .init(memberId: "b")], nowMs: 2)
        #expect(group.markDeleted(nowMs: 3) == .noError)
        #expect(group.state == .dead)
    }

    @Test func offsetDeleteSparesTopicsAnActiveConsumerGroupSubscribesTo() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        let subscription = ConsumerProtocolSubscription(topics: ["orders"]).encoded()
        _ = group.join(Self.request(newId: "a", protocols: [("range", subscription)]), id: Self.id(1), nowMs: 0)
        let plan = group.planOffsetDeletion([TopicPartition("orders", 0), TopicPartition("old", 0)])
        #expect(plan == .delete(eligible: [TopicPartition("old", 0)], subscribed: [TopicPartition("orders", 0)]))
    }

    @Test func offsetsOfAnEmptyGroupExpireRetentionAfterItBecameEmpty() {
        var group = Self.stableGroup()
        let tp = TopicPartition("t", 0)
        _ = group.commitOffsets(.init(memberId: "a", generationId: 2, offsets: [tp: .init(offset: 1, commitTimestampMs: 5)]), id: Self.id(80), nowMs: 5)
        _ = group.offsetsStored(Self.id(80), error: .noError)
        #expect(group.expiredOffsets(nowMs: 1_000_000, retentionMs: 1000).isEmpty)  // active, subscriptions unknown
        _ = group.leave([.init(memberId: "a"), .init(memberId: "b")], nowMs: 2000)
        #expect(group.expiredOffsets(nowMs: 2999, retentionMs: 1000).isEmpty)
        #expect(group.expiredOffsets(nowMs: 3000, retentionMs: 1000) == [tp])
    }

    @Test func aGrowingSubscribedTopicRebalancesTheGroup() {
        var group = GroupMetadata(groupId: "g", config: Self.config, nowMs: 0)
        let subscription = ConsumerProtocolSubscription(topics: ["orders"]).encoded()
        _ = group.join(Self.request(newId: "a", protocols: [("range", subscription)]), id: Self.id(1), nowMs: 0)
        _ = group.sync(Self.sync("a", generation: 1, assignments: ["a": []]), id: Self.id(2), nowMs: 1)
        #expect(group.subscribedTopicsChanged(["other"], nowMs: 2).isEmpty)
        #expect(group.state == .stable)
        _ = group.subscribedTopicsChanged(["orders"], nowMs: 3)
        #expect(group.state == .preparingRebalance)
    }

    @Test func unloadingAnswersEveryWaitingRequest() {
        var group = GroupMetadata(groupId: "g", config: GroupConfig(initialRebalanceDelayMs: 100), nowMs: 0)
        _ = group.join(Self.request(newId: "a"), id: Self.id(1), nowMs: 0)
        let answers = Self.joins(group.unload(error: .notCoordinator, nowMs: 1))
        #expect(answers[Self.id(1)]?.error == .notCoordinator)
        #expect(group.state == .dead)
        #expect(group.isEmpty)
    }
}
