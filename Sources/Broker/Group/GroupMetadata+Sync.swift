import KafkaProtocol

/// SyncGroup, Heartbeat and LeaveGroup (Kafka 2.8's `GroupCoordinator.doSyncGroup`, `handleHeartbeat`,
/// `handleLeaveGroup`).
extension GroupMetadata {
    struct SyncParameters: Sendable, Equatable {
        var memberId: String
        var groupInstanceId: String?
        var generationId: Int32
        /// v5+: the client's view, checked against the group's.
        var protocolType: String?
        var protocolName: String?
        /// The leader's assignment per member id; empty from followers.
        var assignments: [String: [UInt8]]
    }

    mutating func sync(_ request: SyncParameters, id: GroupRequestID, nowMs: Int64) -> [GroupAction] {
        let reject = { (error: ErrorCode) in [GroupAction.completeSync(id, .failure(error))] }
        if state == .dead { return withTimer(reject(.coordinatorNotAvailable)) }
        if isStaticMemberFenced(memberId: request.memberId, groupInstanceId: request.groupInstanceId) {
            return withTimer(reject(.fencedInstanceId))
        }
        guard let member = members[request.memberId] else { return withTimer(reject(.unknownMemberId)) }
        guard request.generationId == generationId else { return withTimer(reject(.illegalGeneration)) }
        if let type = request.protocolType, type != protocolType { return withTimer(reject(.inconsistentGroupProtocol)) }
        if let name = request.protocolName, name != protocolName { return withTimer(reject(.inconsistentGroupProtocol)) }
        switch state {
        case .empty: return withTimer(reject(.unknownMemberId))
        case .preparingRebalance: return withTimer(reject(.rebalanceInProgress))
        case .dead: return withTimer(reject(.coordinatorNotAvailable))
        case .stable:
            scheduleHeartbeat(request.memberId, nowMs: nowMs)
            return withTimer([.completeSync(id, syncResult(assignment: member.assignment))])
        case .completingRebalance:
            var actions: [GroupAction] = []
            update(request.memberId) { member in
                if let previous = member.awaitingSync, previous != id {
                    actions.append(.completeSync(previous, .failure(.rebalanceInProgress)))
                }
                member.awaitingSync = id
            }
            if isLeader(request.memberId) {
                // Members the leader left out get an empty assignment.
                var assignment = request.assignments.filter { has($0.key) }
                for memberId in memberIds where assignment[memberId] == nil { assignment[memberId] = [] }
                actions += setAndPropagateAssignment(assignment, nowMs: nowMs)
                transition(to: .stable, nowMs: nowMs)
            }
            return withTimer(actions)
        }
    }

    private func syncResult(assignment: [UInt8]) -> SyncGroupResult {
        SyncGroupResult(error: .noError, protocolType: protocolType, protocolName: protocolName, assignment: assignment)
    }

    /// Stores every member's assignment and answers the members waiting on SyncGroup.
    private mutating func setAndPropagateAssignment(_ assignment: [String: [UInt8]], nowMs: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        for memberId in memberIds {
            update(memberId) { $0.assignment = assignment[memberId] ?? [] }
            guard let member = members[memberId] else { continue }
            if let sync = member.awaitingSync {
                actions.append(.completeSync(sync, syncResult(assignment: member.assignment)))
                update(memberId) { $0.awaitingSync = nil }
            }
            scheduleHeartbeat(memberId, nowMs: nowMs)
        }
        return actions
    }

    /// Clears every assignment and answers the members waiting on SyncGroup with `error` (they rejoin).
    mutating func resetAndPropagateAssignmentError(_ error: ErrorCode) -> [GroupAction] {
        var actions: [GroupAction] = []
        for memberId in memberIds {
            update(memberId) { member in
                member.assignment = []
                if let sync = member.awaitingSync { actions.append(.completeSync(sync, .failure(error))) }
                member.awaitingSync = nil
            }
        }
        return actions
    }

    // MARK: heartbeat

    mutating func heartbeat(memberId: String, groupInstanceId: String?, generationId: Int32, nowMs: Int64)
        -> (ErrorCode, [GroupAction])
    {
        if state == .dead { return (.coordinatorNotAvailable, []) }
        if isStaticMemberFenced(memberId: memberId, groupInstanceId: groupInstanceId) { return (.fencedInstanceId, []) }
        guard has(memberId) else { return (.unknownMemberId, []) }
        guard generationId == self.generationId else { return (.illegalGeneration, []) }
        switch state {
        case .empty, .dead:
            return (.unknownMemberId, [])
        case .completingRebalance, .stable:
            scheduleHeartbeat(memberId, nowMs: nowMs)
            return (.noError, withTimer([]))
        case .preparingRebalance:
            scheduleHeartbeat(memberId, nowMs: nowMs)
            return (.rebalanceInProgress, withTimer([]))
        }
    }

    // MARK: leave

    struct LeavingMember: Sendable, Equatable {
        var memberId: String
        var groupInstanceId: String?
    }

    /// LeaveGroup for one or (v3+) several members; one error per member, in request order.
    mutating func leave(_ leaving: [LeavingMember], nowMs: Int64) -> (errors: [ErrorCode], actions: [GroupAction]) {
        if state == .dead { return (leaving.map { _ in .coordinatorNotAvailable }, []) }
        var errors: [ErrorCode] = []
        var actions: [GroupAction] = []
        for member in leaving {
            if !member.memberId.isEmpty,
                isStaticMemberFenced(memberId: member.memberId, groupInstanceId: member.groupInstanceId)
            {
                errors.append(.fencedInstanceId)
            } else if isPending(member.memberId) {
                actions += removePendingMember(member.memberId, nowMs: nowMs)
                errors.append(.noError)
            } else if let target = member.groupInstanceId.flatMap({ staticMembers[$0] })
                ?? (has(member.memberId) ? member.memberId : nil)
            {
                actions += removeMemberAndUpdateGroup(target, nowMs: nowMs)
                errors.append(.noError)
            } else {
                errors.append(.unknownMemberId)
            }
        }
        return (errors, withTimer(actions))
    }

    // MARK: timers

    /// Handles every deadline that has passed: members whose session expired are removed, pending members that
    /// never came back are dropped, and the join phase ends (or, for a new group, waits a little longer).
    mutating func timerFired(nowMs: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        for (memberId, deadline) in pendingMembers where deadline <= nowMs {
            actions += removePendingMember(memberId, nowMs: nowMs)
        }
        for member in allMembers {
            guard let deadline = member.heartbeatDeadlineMs, deadline <= nowMs else { continue }
            if !member.isNew, member.awaitingJoin != nil || member.awaitingSync != nil {
                // A member waiting on a rebalance is alive by definition; the rebalance timeout bounds it.
                update(member.memberId) { $0.heartbeatDeadlineMs = nil }
                continue
            }
            actions += removeMemberAndUpdateGroup(member.memberId, nowMs: nowMs)
        }
        if state == .preparingRebalance, let deadline = joinDeadlineMs, deadline <= nowMs {
            if !extendInitialDelay(nowMs: nowMs) { actions += completeJoin(nowMs: nowMs) }
        }
        return withTimer(actions)
    }

    /// A topic the group consumes gained partitions (or was recreated): the members must reassign.
    mutating func subscribedTopicsChanged(_ topics: Set<String>, nowMs: Int64) -> [GroupAction] {
        guard state == .stable || state == .completingRebalance,
            protocolType == ConsumerProtocol.protocolType,
            topics.contains(where: { isSubscribed(to: $0) })
        else { return [] }
        return withTimer(prepareRebalance(nowMs: nowMs))
    }

    /// The coordinator lost the group (another broker took it, or it was deleted): every waiting request is
    /// answered with `error` and the group becomes Dead.
    mutating func unload(error: ErrorCode, nowMs: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        for member in allMembers {
            if let join = member.awaitingJoin { actions.append(.completeJoin(join, .failure(error, memberId: member.memberId))) }
            if let sync = member.awaitingSync { actions.append(.completeSync(sync, .failure(error))) }
        }
        for (id, commit) in pendingCommits.sorted(by: { $0.key < $1.key }) {
            actions.append(.completeCommit(id, commit.mapValues { _ in error }))
        }
        clearMembership()
        transition(to: .dead, nowMs: nowMs)
        return withTimer(actions)
    }
}
