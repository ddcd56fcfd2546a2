import Coordination
import KafkaProtocol

/// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: check the group id and this broker's role, then hand the
/// event to the group and wait for the action that answers it.
extension GroupCoordinator {
    /// Group ids become ZooKeeper node names (`/consumers/<group>`), so they must be one valid path element.
    nonisolated static func isValidGroupId(_ groupId: String, allowEmpty: Bool = false) -> Bool {
        if groupId.isEmpty { return allowEmpty }
        guard groupId != "." && groupId != "..", groupId.utf8.count <= 249 * 4 else { return false }
        return !groupId.unicodeScalars.contains { $0 == "/" || $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    func joinGroup(_ groupId: String, _ request: JoinGroupParameters) async -> JoinGroupResult {
        guard Self.isValidGroupId(groupId) else { return .failure(.invalidGroupId, memberId: request.memberId) }
        let config = configuration.group
        guard (config.minSessionTimeoutMs...config.maxSessionTimeoutMs).contains(request.sessionTimeoutMs) else {
            return .failure(.invalidSessionTimeout, memberId: request.memberId)
        }
        switch await group(groupId, create: true) {
        case .failure(let error): return .failure(error, memberId: request.memberId)
        case .success: break
        }
        let id = nextRequestId()
        return await withCheckedContinuation { continuation in
            waiters[id] = .join(continuation)
            // The group was unloaded between the load and now: nobody else will answer.
            if !applyActions(groupId, { $0.join(request, id: id, nowMs: Self.nowMs()) }) {
                waiters[id] = nil
                continuation.resume(returning: .failure(.notCoordinator, memberId: request.memberId))
            }
        }
    }

    func syncGroup(_ groupId: String, _ request: GroupMetadata.SyncParameters) async -> SyncGroupResult {
        guard Self.isValidGroupId(groupId) else { return .failure(.invalidGroupId) }
        guard case .success(let group) = await group(groupId, create: false) else {
            return .failure(ownershipError(groupId) ?? .coordinatorLoadInProgress)
        }
        guard group != nil else { return .failure(.unknownMemberId) }
        let id = nextRequestId()
        return await withCheckedContinuation { continuation in
            waiters[id] = .sync(continuation)
            // The group was unloaded between the load and now: nobody else will answer.
            if !applyActions(groupId, { $0.sync(request, id: id, nowMs: Self.nowMs()) }) {
                waiters[id] = nil
                continuation.resume(returning: .failure(.notCoordinator))
            }
        }
    }

    func heartbeat(_ groupId: String, memberId: String, groupInstanceId: String?, generationId: Int32) async -> ErrorCode {
        guard Self.isValidGroupId(groupId) else { return .invalidGroupId }
        switch await group(groupId, create: false) {
        case .failure(let error): return error
        case .success(nil): return .unknownMemberId
        case .success: break
        }
        return apply(groupId) {
            $0.heartbeat(memberId: memberId, groupInstanceId: groupInstanceId, generationId: generationId, nowMs: Self.nowMs())
        } ?? .notCoordinator
    }

    /// LeaveGroup: a group-level error, or one error per leaving member in request order.
    func leaveGroup(_ groupId: String, members: [GroupMetadata.LeavingMember]) async -> (ErrorCode, [ErrorCode]) {
        guard Self.isValidGroupId(groupId) else { return (.invalidGroupId, []) }
        switch await group(groupId, create: false) {
        case .failure(let error): return (error, [])
        case .success(nil): return (.noError, members.map { _ in .unknownMemberId })
        case .success: break
        }
        let errors = apply(groupId) { group in
            let (errors, actions) = group.leave(members, nowMs: Self.nowMs())
            return (errors, actions)
        }
        return errors.map { (.noError, $0) } ?? (.notCoordinator, [])
    }
}
