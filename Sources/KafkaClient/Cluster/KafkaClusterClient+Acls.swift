import KafkaProtocol

/// CreateAcls, DescribeAcls and DeleteAcls, sent to any broker (every broker with an authorizer serves them from
/// the same ZooKeeper store), as Kafka's admin client does. Per-ACL errors stay in the responses for the caller.
extension KafkaClusterClient {
    public func createAcls(_ request: CreateAclsRequest, timeout: Duration? = nil) async throws(KafkaClientError) -> CreateAclsResponse {
        try await withRetries("CreateAcls", timeout: timeout) { () async throws(KafkaClientError) -> CreateAclsResponse in
            let connection = try await anyConnection()
            return try await connection.send(request, version: try connection.negotiatedVersion(CreateAclsRequest.self))
        }
    }

    /// Throws `.broker` with the response's error (SECURITY_DISABLED without an authorizer).
    public func describeAcls(_ request: DescribeAclsRequest, timeout: Duration? = nil) async throws(KafkaClientError) -> DescribeAclsResponse {
        let response = try await withRetries("DescribeAcls", timeout: timeout) {
            () async throws(KafkaClientError) -> DescribeAclsResponse in
            let connection = try await anyConnection()
            return try await connection.send(request, version: try connection.negotiatedVersion(DescribeAclsRequest.self))
        }
        guard response.errorCode == 0 else {
            throw .broker(ErrorCode(rawValue: response.errorCode), context: "DescribeAcls", message: response.errorMessage)
        }
        return response
    }

    public func deleteAcls(_ request: DeleteAclsRequest, timeout: Duration? = nil) async throws(KafkaClientError) -> DeleteAclsResponse {
        try await withRetries("DeleteAcls", timeout: timeout) { () async throws(KafkaClientError) -> DeleteAclsResponse in
            let connection = try await anyConnection()
            return try await connection.send(request, version: try connection.negotiatedVersion(DeleteAclsRequest.self))
        }
    }
}
