import KafkaProtocol

/// JoinGroup and the rebalance it drives (Kafka 2.8's `GroupCoordinator.handleJoinGroup` and `onCompleteJoin`).
extension GroupMetadata {
    /// A JoinGroup from a member (new, pending, static or known). The coordinator has already checked the group id,
    /// its own role and the session timeout bounds.
    mutating func join(_ request: JoinGroupParameters, id: GroupRequestID, nowMs: Int64) -> [GroupAction] {
        let isUnknown = request.memberId.isEmpty
        let reject = { (error: ErrorCode) in [GroupAction.completeJoin(id, .failure(error, memberId: request.memberId))] }
        if state == .dead { return withTimer(reject(.coordinatorNotAvailable)) }
        if isUnknown, size >= config.maxSize, !(request.groupInstanceId.map { staticMembers[$0] != nil } ?? false) {
            return withTimer([.completeJoin(id, .failure(.groupMaxSizeReached, memberId: ""))])
        }
        if !supportsProtocols(type: request.protocolType, request.protocols) {
            return withTimer(reject(.inconsistentGroupProtocol))
        }
        var actions = isUnknown ? joinNewMember(request, id: id, nowMs: nowMs) : joinKnownMember(request, id: id, nowMs: nowMs)
        if state == .preparingRebalance, !isInInitialDelay, hasAllMembersJoined {
            actions += completeJoin(nowMs: nowMs)
        }
        return withTimer(actions)
    }

    private mutating func joinNewMember(_ request: JoinGroupParameters, id: GroupRequestID, nowMs: Int64) -> [GroupAction] {
        let newMemberId = request.newMemberId
        if let instanceId = request.groupInstanceId {
            if let oldMemberId = staticMembers[instanceId] {
                return rejoinStaticMember(request, instanceId: instanceId, oldMemberId: oldMemberId, newMemberId: newMemberId,
                                          id: id, nowMs: nowMs)
            }
            return addMemberAndRebalance(request, memberId: newMemberId, id: id, nowMs: nowMs)
        }
        if request.requireKnownMemberId {
            // KIP-394: the member must come back with this id, so a client that times out and retries does not
            // leave a stray member behind.
            setPending(newMemberId, deadlineMs: nowMs + Int64(request.sessionTimeoutMs))
            return [.completeJoin(id, .failure(.memberIdRequired, memberId: newMemberId))]
        }
        return addMemberAndRebalance(request, memberId: newMemberId, id: id, nowMs: nowMs)
    }

    private mutating func joinKnownMember(_ request: JoinGroupParameters, id: GroupRequestID, nowMs: Int64) -> [GroupAction] {
        let memberId = request.memberId
        if isPending(memberId) {
            return addMemberAndRebalance(request, memberId: memberId, id: id, nowMs: nowMs)
        }
        if isStaticMemberFenced(memberId: memberId, groupInstanceId: request.groupInstanceId) {
            return [.completeJoin(id, .failure(.fencedInstanceId, memberId: memberId))]
        }
        let instanceUnknown = request.groupInstanceId.map { staticMembers[$0] == nil } ?? false
        guard let member = members[memberId], !instanceUnknown else {
            return [.completeJoin(id, .failure(.unknownMemberId, memberId: memberId))]
        }
        switch state {
        case .preparingRebalance:
            return updateMemberAndRebalance(memberId, request, id: id, nowMs: nowMs)
        case .completingRebalance:
            if member.matches(request.protocols) {
                // The member lost the JoinGroup answer: give it the current generation again.
                return [.completeJoin(id, currentJoinResult(for: memberId))]
            }
            return updateMemberAndRebalance(memberId, request, id: id, nowMs: nowMs)
        case .stable:
            if isLeader(memberId) || !member.matches(request.protocols) {
                // A leader rejoins to make the group reassign (e.g. its topics' metadata changed).
                return updateMemberAndRebalance(memberId, request, id: id, nowMs: nowMs)
            }
            return [.completeJoin(id, currentJoinResult(for: memberId))]
        case .empty, .dead:
            return [.completeJoin(id, .failure(.unknownMemberId, memberId: memberId))]
        }
    }

    /// A static member that restarted (new member id, same instance id) takes over its old slot. In a Stable group
    /// whose protocol stays the same it gets the current generation and its old assignment without a rebalance
    /// (KIP-345); the old leader id is returned, so even a returning leader does not reassign.
    private mutating func rejoinStaticMember(
        _ request: JoinGroupParameters, instanceId: String, oldMemberId: String, newMemberId: String,
        id: GroupRequestID, nowMs: Int64
    ) -> [GroupAction] {
        let previousLeader = leaderId ?? ""
        var actions = replaceStaticMember(instanceId: instanceId, oldMemberId: oldMemberId, newMemberId: newMemberId)
        scheduleHeartbeat(newMemberId, nowMs: nowMs)
        let protocolBefore = protocolName
        update(newMemberId) { $0.protocols = request.protocols }
        switch state {
        case .stable:
            if let protocolBefore, selectProtocol() == protocolBefore {
                refreshSubscribedTopics()
                var result = currentJoinResult(for: newMemberId)
                result.leaderId = previousLeader
                result.members = []
                actions.append(.completeJoin(id, result))
                return actions
            }
            update(newMemberId) { $0.awaitingJoin = id }
            return actions + prepareRebalance(nowMs: nowMs)
        case .completingRebalance:
            update(newMemberId) { $0.awaitingJoin = id }
            return actions + prepareRebalance(nowMs: nowMs)
        case .preparingRebalance:
            update(newMemberId) { $0.awaitingJoin = id }
            return actions
        case .empty, .dead:
            assertionFailure("a group with a static member is neither Empty nor Dead")
            return actions + [.completeJoin(id, .failure(.unknownMemberId, memberId: newMemberId))]
        }
    }

    private mutating func addMemberAndRebalance(
        _ request: JoinGroupParameters, memberId: String, id: GroupRequestID, nowMs: Int64
    ) -> [GroupAction] {
        var member = MemberMetadata(
            memberId: memberId, groupInstanceId: request.groupInstanceId, clientId: request.clientId,
            clientHost: request.clientHost, rebalanceTimeoutMs: request.rebalanceTimeoutMs,
            sessionTimeoutMs: request.sessionTimeoutMs, protocolType: request.protocolType, protocols: request.protocols)
        member.isNew = true
        member.awaitingJoin = id
        // A new member cannot heartbeat before its first JoinGroup answer; if it never completes one (it gave up
        // and retries with another id), it is dropped after this long.
        member.heartbeatDeadlineMs = nowMs + config.newMemberJoinTimeoutMs
        noteNewMemberAdded()
        add(member)
        return maybePrepareRebalance(nowMs: nowMs)
    }

    private mutating func updateMemberAndRebalance(
        _ memberId: String, _ request: JoinGroupParameters, id: GroupRequestID, nowMs: Int64
    ) -> [GroupAction] {
        var actions: [GroupAction] = []
        update(memberId) { member in
            if let previous = member.awaitingJoin, previous != id {
                // A JoinGroup from a new connection replaces one nobody is waiting for any more.
                actions.append(.completeJoin(previous, .failure(.rebalanceInProgress, memberId: memberId)))
            }
            member.protocols = request.protocols
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
            member.sessionTimeoutMs = request.sessionTimeoutMs
            member.awaitingJoin = id
        }
        return actions + maybePrepareRebalance(nowMs: nowMs)
    }

    mutating func maybePrepareRebalance(nowMs: Int64) -> [GroupAction] {
        guard state.canRebalance else { return [] }
        return prepareRebalance(nowMs: nowMs)
    }

    /// Enters PreparingRebalance: members waiting on SyncGroup must rejoin; an empty group's first rebalance
    /// waits group.initial.rebalance.delay.ms for more members.
    mutating func prepareRebalance(nowMs: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        if state == .completingRebalance { actions += resetAndPropagateAssignmentError(.rebalanceInProgress) }
        let rebalanceTimeout = rebalanceTimeoutMs
        if state == .empty, config.initialRebalanceDelayMs > 0 {
            let delay = Int64(config.initialRebalanceDelayMs)
            setJoinPhase(deadlineMs: nowMs + delay, initialDelayRemainingMs: max(rebalanceTimeout - delay, 0))
        } else {
            setJoinPhase(deadlineMs: nowMs + rebalanceTimeout)
        }
        transition(to: .preparingRebalance, nowMs: nowMs)
        if !isInInitialDelay, hasAllMembersJoined { actions += completeJoin(nowMs: nowMs) }
        return actions
    }

    /// The join phase ends (Kafka's `onCompleteJoin`): dynamic members that did not rejoin are removed, and the
    /// next generation starts, in CompletingRebalance with a leader, or Empty when nobody is left.
    mutating func completeJoin(nowMs: Int64) -> [GroupAction] {
        guard state == .preparingRebalance else { return [] }
        var actions: [GroupAction] = []
        for member in allMembers where member.awaitingJoin == nil && !member.isStatic {
            actions += removeMember(member.memberId)
        }
        if !isEmpty, !electJoinedLeader() {
            // Nobody rejoined: wait another rebalance timeout for the session timers to clear the group out.
            setJoinPhase(deadlineMs: nowMs + rebalanceTimeoutMs)
            return actions
        }
        setJoinPhase(deadlineMs: nil)
        if isEmpty {
            setGeneration(generationId &+ 1, protocolName: nil)
            transition(to: .empty, nowMs: nowMs)
            return actions
        }
        setGeneration(generationId &+ 1, protocolName: selectProtocol())
        transition(to: .completingRebalance, nowMs: nowMs)
        for member in allMembers {
            if let join = member.awaitingJoin { actions.append(.completeJoin(join, currentJoinResult(for: member.memberId))) }
            update(member.memberId) {
                $0.awaitingJoin = nil
                $0.isNew = false
            }
            scheduleHeartbeat(member.memberId, nowMs: nowMs)
        }
        return actions
    }

    /// Keeps the leader if it rejoined, else makes the oldest member that rejoined leader. False if none did.
    private mutating func electJoinedLeader() -> Bool {
        if let leaderId, members[leaderId]?.awaitingJoin != nil { return true }
        guard let joined = allMembers.first(where: { $0.awaitingJoin != nil }) else { return false }
        setLeader(joined.memberId)
        return true
    }

    func currentJoinResult(for memberId: String) -> JoinGroupResult {
        JoinGroupResult(
            error: .noError, memberId: memberId, generationId: generationId, protocolType: protocolType,
            protocolName: protocolName, leaderId: leaderId ?? "",
            members: isLeader(memberId) ? currentMemberMetadata : [])
    }

    /// Removes a member, answering what it waits on with UNKNOWN_MEMBER_ID (it rejoins if it is still alive).
    mutating func removeMember(_ memberId: String) -> [GroupAction] {
        guard let member = members[memberId] else { return [] }
        var actions: [GroupAction] = []
        if let join = member.awaitingJoin { actions.append(.completeJoin(join, .failure(.unknownMemberId, memberId: ""))) }
        if let sync = member.awaitingSync { actions.append(.completeSync(sync, .failure(.unknownMemberId))) }
        remove(memberId)
        return actions
    }

    /// Removes a member that left or died, then rebalances what is left (Kafka's `removeMemberAndUpdateGroup`).
    mutating func removeMemberAndUpdateGroup(_ memberId: String, nowMs: Int64) -> [GroupAction] {
        var actions = removeMember(memberId)
        switch state {
        case .stable, .completingRebalance:
            actions += maybePrepareRebalance(nowMs: nowMs)
        case .preparingRebalance:
            if !isInInitialDelay, hasAllMembersJoined { actions += completeJoin(nowMs: nowMs) }
        case .empty, .dead:
            break
        }
        return actions
    }

    /// Drops a pending member (it left, or never came back with its id).
    mutating func removePendingMember(_ memberId: String, nowMs: Int64) -> [GroupAction] {
        setPending(memberId, deadlineMs: nil)
        guard state == .preparingRebalance, !isInInitialDelay, hasAllMembersJoined else { return [] }
        return completeJoin(nowMs: nowMs)
    }
}
