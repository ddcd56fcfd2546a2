import Coordination
import KafkaProtocol

/// CreateAcls, DescribeAcls and DeleteAcls (Kafka's `handleCreateAcls`, `handleDescribeAcls`, `handleDeleteAcls`)
/// over the `ZkAclAuthorizer`. Without an authorizer (`authorizer.class.name` empty) each answers
/// SECURITY_DISABLED, as Kafka does. Kafka refuses a request with UNKNOWN codes while parsing it; Gregor answers
/// INVALID_REQUEST with Kafka's message instead. Describing ACLs needs DESCRIBE on the cluster, creating and
/// deleting them ALTER, else CLUSTER_AUTHORIZATION_FAILED for the request (each creation, each filter).
extension BrokerApis {
    static let noAuthorizerMessage = "No Authorizer is configured on the broker"

    func describeAcls(_ request: DescribeAclsRequest, _ context: RequestContext) -> DescribeAclsResponse {
        guard authorizer(context).authorizeCluster(.describe) else {
            return DescribeAclsResponse(
                errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: Self.clusterAuthorizationMessage(context),
                resources: [])
        }
        guard let aclAuthorizer else {
            return DescribeAclsResponse(
                errorCode: ErrorCode.securityDisabled.rawValue, errorMessage: Self.noAuthorizerMessage, resources: [])
        }
        let filter = AclBindingFilter(
            resourceType: ResourceType(code: request.resourceTypeFilter), name: request.resourceNameFilter,
            patternType: PatternType(code: request.patternTypeFilter), principal: request.principalFilter,
            host: request.hostFilter, operation: AclOperation(code: request.operation),
            permissionType: AclPermissionType(code: request.permissionType))
        if filter.hasUnknownElements {
            return DescribeAclsResponse(
                errorCode: ErrorCode.invalidRequest.rawValue,
                errorMessage: "DescribeAclsRequest contains UNKNOWN elements", resources: [])
        }
        var resources: [DescribeAclsResponse.DescribeAclsResource] = []
        for binding in aclAuthorizer.snapshot.bindings(matching: filter) {
            let acl = DescribeAclsResponse.AclDescription(
                principal: binding.entry.principal, host: binding.entry.host, operation: binding.entry.operation.rawValue,
                permissionType: binding.entry.permissionType.rawValue)
            let pattern = binding.pattern
            if let last = resources.last, last.resourceType == pattern.resourceType.rawValue,
                last.resourceName == pattern.name, last.patternType == pattern.patternType.rawValue
            {
                resources[resources.count - 1].acls.append(acl)
            } else {
                resources.append(.init(
                    resourceType: pattern.resourceType.rawValue, resourceName: pattern.name,
                    patternType: pattern.patternType.rawValue, acls: [acl]))
            }
        }
        return DescribeAclsResponse(errorCode: 0, errorMessage: nil, resources: resources)
    }

    func createAcls(_ request: CreateAclsRequest, _ context: RequestContext) async -> CreateAclsResponse {
        guard authorizer(context).authorizeCluster(.alter) else {
            let result = CreateAclsResponse.AclCreationResult(
                errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: Self.clusterAuthorizationMessage(context))
            return CreateAclsResponse(results: Array(repeating: result, count: request.creations.count))
        }
        guard let aclAuthorizer else {
            let result = CreateAclsResponse.AclCreationResult(
                errorCode: ErrorCode.securityDisabled.rawValue, errorMessage: Self.noAuthorizerMessage + ".")
            return CreateAclsResponse(results: Array(repeating: result, count: request.creations.count))
        }
        let bindings = request.creations.map { creation in
            AclBinding(
                ResourcePattern(
                    ResourceType(code: creation.resourceType), creation.resourceName,
                    PatternType(code: creation.resourcePatternType)),
                AccessControlEntry(
                    principal: creation.principal, host: creation.host, operation: AclOperation(code: creation.operation),
                    permissionType: AclPermissionType(code: creation.permissionType)))
        }
        let results = await aclAuthorizer.createAcls(bindings)
        return CreateAclsResponse(results: results.map { error in
            CreateAclsResponse.AclCreationResult(errorCode: error?.code.rawValue ?? 0, errorMessage: error?.message)
        })
    }

    func deleteAcls(_ request: DeleteAclsRequest, _ context: RequestContext) async -> DeleteAclsResponse {
        guard authorizer(context).authorizeCluster(.alter) else {
            let result = DeleteAclsResponse.DeleteAclsFilterResult(
                errorCode: ErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: Self.clusterAuthorizationMessage(context))
            return DeleteAclsResponse(filterResults: Array(repeating: result, count: request.filters.count))
        }
        guard let aclAuthorizer else {
            let result = DeleteAclsResponse.DeleteAclsFilterResult(
                errorCode: ErrorCode.securityDisabled.rawValue, errorMessage: Self.noAuthorizerMessage + ".")
            return DeleteAclsResponse(filterResults: Array(repeating: result, count: request.filters.count))
        }
        let filters = request.filters.map { filter in
            AclBindingFilter(
                resourceType: ResourceType(code: filter.resourceTypeFilter), name: filter.resourceNameFilter,
                patternType: PatternType(code: filter.patternTypeFilter), principal: filter.principalFilter,
                host: filter.hostFilter, operation: AclOperation(code: filter.operation),
                permissionType: AclPermissionType(code: filter.permissionType))
        }
        if filters.contains(where: \.hasUnknownElements) {
            let result = DeleteAclsResponse.DeleteAclsFilterResult(
                errorCode: ErrorCode.invalidRequest.rawValue, errorMessage: "Filters contain UNKNOWN elements")
            return DeleteAclsResponse(filterResults: Array(repeating: result, count: filters.count))
        }
        let results = await aclAuthorizer.deleteAcls(filters)
        return DeleteAclsResponse(filterResults: results.map { deleted in
            DeleteAclsResponse.DeleteAclsFilterResult(errorCode: 0, errorMessage: nil, matchingAcls: deleted.map { item in
                let binding = item.binding
                return DeleteAclsResponse.DeleteAclsMatchingAcl(
                    errorCode: item.error?.code.rawValue ?? 0, errorMessage: item.error?.message,
                    resourceType: binding.pattern.resourceType.rawValue, resourceName: binding.pattern.name,
                    patternType: binding.pattern.patternType.rawValue, principal: binding.entry.principal,
                    host: binding.entry.host, operation: binding.entry.operation.rawValue,
                    permissionType: binding.entry.permissionType.rawValue)
            })
        })
    }
}
