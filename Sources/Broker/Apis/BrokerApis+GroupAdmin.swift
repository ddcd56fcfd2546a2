import KafkaProtocol
import NIOCore

/// ListGroups, DescribeGroups and DeleteGroups (Kafka's `KafkaApis.handleListGroupsRequest` and friends).
extension BrokerApis {
    /// The groups this broker coordinates, optionally only those in the given states (v4+). With DESCRIBE on the
    /// cluster every group, else only the groups the principal may DESCRIBE (Kafka checks each, logging refusals).
    func listGroups(_ request: ListGroupsRequest, _ context: RequestContext) async -> ListGroupsResponse {
        switch await groupCoordinator.listGroups() {
        case .failure(let error):
            return ListGroupsResponse(errorCode: error.rawValue)
        case .success(let groups):
            let states = Set(request.statesFilter.map { $0.lowercased() })
            var listed = groups.filter { states.isEmpty || states.contains($0.state.rawValue.lowercased()) }
            let auth = authorizer(context)
            if !auth.authorizeCluster(.describe) {
                listed = listed.filter { auth.authorize(.describe, .group, $0.groupId) }
            }
            return ListGroupsResponse(groups: listed.map {
                .init(groupId: $0.groupId, protocolType: $0.protocolType, groupState: $0.state.rawValue)
            })
        }
    }

    func describeGroups(_ request: DescribeGroupsRequest, _ context: RequestContext) async -> DescribeGroupsResponse {
        var described: [DescribeGroupsResponse.DescribedGroup] = []
        let auth = authorizer(context)
        for groupId in request.groups {
            guard auth.authorize(.describe, .group, groupId) else {
                // Kafka's DescribeGroupsResponse.forError: state, protocol type and protocol empty, no members.
                described.append(.init(
                    errorCode: ErrorCode.groupAuthorizationFailed.rawValue, groupId: groupId, groupState: "",
                    protocolType: "", protocolData: "", members: [], authorizedOperations: Int32.min))
                continue
            }
            let (error, group) = await groupCoordinator.describeGroup(groupId)
            described.append(.init(
                errorCode: error.rawValue, groupId: groupId, groupState: group.state.rawValue, protocolType: group.protocolType,
                protocolData: group.protocolName,
                members: group.members.map {
                    .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                          clientHost: $0.clientHost, memberMetadata: ByteBuffer(bytes: $0.metadata),
                          memberAssignment: ByteBuffer(bytes: $0.assignment))
                },
                // Kafka fills it in only for a group described without error (KafkaApis.handleDescribeGroupRequest).
                authorizedOperations: request.includeAuthorizedOperations && error == .noError
                    ? auth.authorizedOperations(.group, groupId) : Int32.min))
        }
        return DescribeGroupsResponse(groups: described)
    }

    func deleteGroups(_ request: DeleteGroupsRequest, _ context: RequestContext) async -> DeleteGroupsResponse {
        var results: [DeleteGroupsResponse.DeletableGroupResult] = []
        let deletable = authorizer(context).filterByAuthorized(.delete, .group, request.groupsNames)
        for groupId in request.groupsNames {
            let error = deletable.contains(groupId) ? await groupCoordinator.deleteGroup(groupId) : .groupAuthorizationFailed
            results.append(.init(groupId: groupId, errorCode: error.rawValue))
        }
        return DeleteGroupsResponse(results: results)
    }
}
