import KafkaProtocol
import NIOCore

/// ListGroups, DescribeGroups and DeleteGroups (Kafka's `KafkaApis.handleListGroupsRequest` and friends).
extension BrokerApis {
    /// The groups this broker coordinates, optionally only those in the given states (v4+).
    func listGroups(_ request: ListGroupsRequest, _ context: RequestContext) async -> ListGroupsResponse {
        switch await groupCoordinator.listGroups() {
        case .failure(let error):
            return ListGroupsResponse(errorCode: error.rawValue)
        case .success(let groups):
            let states = Set(request.statesFilter.map { $0.lowercased() })
            return ListGroupsResponse(groups: groups.filter { states.isEmpty || states.contains($0.state.rawValue.lowercased()) }.map {
                .init(groupId: $0.groupId, protocolType: $0.protocolType, groupState: $0.state.rawValue)
            })
        }
    }

    func describeGroups(_ request: DescribeGroupsRequest, _ context: RequestContext) async -> DescribeGroupsResponse {
        var described: [DescribeGroupsResponse.DescribedGroup] = []
        for groupId in request.groups {
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
                    ? AuthorizedOperations.group : Int32.min))
        }
        return DescribeGroupsResponse(groups: described)
    }

    func deleteGroups(_ request: DeleteGroupsRequest, _ context: RequestContext) async -> DeleteGroupsResponse {
        var results: [DeleteGroupsResponse.DeletableGroupResult] = []
        for groupId in request.groupsNames {
            let error = await groupCoordinator.deleteGroup(groupId)
            results.append(.init(groupId: groupId, errorCode: error.rawValue))
        }
        return DeleteGroupsResponse(results: results)
    }
}
