import Foundation
import KafkaProtocol
import NIOCore

/// JoinGroup, SyncGroup, Heartbeat and LeaveGroup (Kafka's `KafkaApis.handleJoinGroupRequest` and friends):
/// decode, hand to the `GroupCoordinator`, encode. All group logic is in `GroupMetadata`. Each needs READ on the
/// group, else GROUP_AUTHORIZATION_FAILED and the coordinator never sees the request.
extension BrokerApis {
    func joinGroup(_ request: JoinGroupRequest, _ context: RequestContext) async -> JoinGroupResponse {
        guard authorizer(context).authorize(.read, .group, request.groupId) else {
            // Kafka's JoinGroupResult(UNKNOWN_MEMBER_ID, error): no member id, generation -1, no protocol, no leader.
            return JoinGroupResponse(
                errorCode: ErrorCode.groupAuthorizationFailed.rawValue, generationId: -1, protocolType: nil,
                protocolName: context.apiVersion >= 7 ? nil : "", leader: "", memberId: "", members: [])
        }
        let instanceId = request.groupInstanceId
        // Kafka's member ids: client id (or group.instance.id), "-", a UUID.
        let newMemberId = "\(instanceId ?? context.clientId)-\(UUID().uuidString.lowercased())"
        let parameters = JoinGroupParameters(
            memberId: request.memberId, groupInstanceId: instanceId, clientId: context.clientId,
            clientHost: context.connection.clientHost, sessionTimeoutMs: request.sessionTimeoutMs,
            // v0 has no rebalance timeout: Kafka uses the session timeout.
            rebalanceTimeoutMs: context.apiVersion == 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map { .init(name: $0.name, metadata: Array($0.metadata.readableBytesView)) },
            requireKnownMemberId: context.apiVersion >= 4 && instanceId == nil, newMemberId: newMemberId)
        let result = await groupCoordinator.joinGroup(request.groupId, parameters)
        if result.error != .noError, result.error != .memberIdRequired {
            logger.debug("JoinGroup of group \(request.groupId) by '\(context.clientId)' answered \(result.error)")
        }
        let v7 = context.apiVersion >= 7
        return JoinGroupResponse(
            errorCode: result.error.rawValue, generationId: result.generationId,
            protocolType: v7 ? result.protocolType : nil,
            protocolName: v7 ? result.protocolName : (result.protocolName ?? ""),
            leader: result.leaderId, memberId: result.memberId,
            members: result.members.map {
                .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: ByteBuffer(bytes: $0.metadata))
            })
    }

    func syncGroup(_ request: SyncGroupRequest, _ context: RequestContext) async -> SyncGroupResponse {
        guard authorizer(context).authorize(.read, .group, request.groupId) else {
            return SyncGroupResponse(
                errorCode: ErrorCode.groupAuthorizationFailed.rawValue, protocolType: nil, protocolName: nil, assignment: ByteBuffer())
        }
        var assignments: [String: [UInt8]] = [:]
        for assignment in request.assignments {
            assignments[assignment.memberId] = Array(assignment.assignment.readableBytesView)
        }
        let result = await groupCoordinator.syncGroup(
            request.groupId,
            .init(memberId: request.memberId, groupInstanceId: request.groupInstanceId, generationId: request.generationId,
                  protocolType: request.protocolType, protocolName: request.protocolName, assignments: assignments))
        return SyncGroupResponse(
            errorCode: result.error.rawValue, protocolType: result.protocolType, protocolName: result.protocolName,
            assignment: ByteBuffer(bytes: result.assignment))
    }

    func heartbeat(_ request: HeartbeatRequest, _ context: RequestContext) async -> HeartbeatResponse {
        guard authorizer(context).authorize(.read, .group, request.groupId) else {
            return HeartbeatResponse(errorCode: ErrorCode.groupAuthorizationFailed.rawValue)
        }
        let error = await groupCoordinator.heartbeat(
            request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            generationId: request.generationId)
        return HeartbeatResponse(errorCode: error.rawValue)
    }

    /// v0-2 name one member and carry one error (the member's, when the group's is NONE); v3+ a batch of members
    /// with an error each (KIP-345).
    func leaveGroup(_ request: LeaveGroupRequest, _ context: RequestContext) async -> LeaveGroupResponse {
        guard authorizer(context).authorize(.read, .group, request.groupId) else {
            return LeaveGroupResponse(errorCode: ErrorCode.groupAuthorizationFailed.rawValue)
        }
        let leaving: [GroupMetadata.LeavingMember] =
            context.apiVersion >= 3
            ? request.members.map { .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId) }
            : [.init(memberId: request.memberId)]
        let (groupError, memberErrors) = await groupCoordinator.leaveGroup(request.groupId, members: leaving)
        if context.apiVersion < 3 {
            let error = groupError != .noError ? groupError : memberErrors.first ?? .noError
            return LeaveGroupResponse(errorCode: error.rawValue)
        }
        return LeaveGroupResponse(
            errorCode: groupError.rawValue,
            members: zip(leaving, memberErrors).map { member, error in
                .init(memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: error.rawValue)
            })
    }
}
