import Testing

@testable import KafkaProtocol

/// The ACL APIs byte by byte against Kafka's protocol guide, in their classic (v1) and flexible (v2) layouts.
@Suite struct AclsByteVectorTests {
    /// `CreateAcls Request (Version: 1) => [creations]`, `creations => resource_type resource_name
    /// resource_pattern_type principal host operation permission_type`.
    @Test func createAclsRequestV1() throws {
        let request = CreateAclsRequest(creations: [
            .init(resourceType: 2, resourceName: "t", resourcePatternType: 4, principal: "User:a", host: "*", operation: 4, permissionType: 3)
        ])
        let expected: [UInt8] = [
            0, 0, 0, 1,  // creations: 1
            2,  // resource_type: TOPIC
            0, 1, 0x74,  // resource_name: "t"
            4,  // resource_pattern_type: PREFIXED
            0, 6, 0x55, 0x73, 0x65, 0x72, 0x3A, 0x61,  // principal: "User:a"
            0, 1, 0x2A,  // host: "*"
            4, 3,  // operation: WRITE, permission_type: ALLOW
        ]
        #expect(try bytes(request, version: 1) == expected)
        #expect(try decode(CreateAclsRequest.self, expected, version: 1) == request)
        // v0 has no pattern type: it decodes as LITERAL (3).
        var v0 = expected
        v0.remove(at: 8)
        #expect(try decode(CreateAclsRequest.self, v0, version: 0).creations[0].resourcePatternType == 3)
    }

    /// `DescribeAcls Request (Version: 2)`: compact nullable strings (length + 1, 0 for null) and tagged fields.
    @Test func describeAclsRequestV2() throws {
        let request = DescribeAclsRequest(
            resourceTypeFilter: 1, resourceNameFilter: nil, patternTypeFilter: 2, principalFilter: "User:a",
            hostFilter: nil, operation: 1, permissionType: 1)
        let expected: [UInt8] = [
            1,  // resource_type_filter: ANY
            0,  // resource_name_filter: null
            2,  // pattern_type_filter: MATCH
            7, 0x55, 0x73, 0x65, 0x72, 0x3A, 0x61,  // principal_filter: "User:a"
            0,  // host_filter: null
            1, 1,  // operation: ANY, permission_type: ANY
            0,  // tagged fields
        ]
        #expect(try bytes(request, version: 2) == expected)
        #expect(try decode(DescribeAclsRequest.self, expected, version: 2) == request)
    }

    /// `DeleteAcls Response (Version: 1) => throttle_time_ms [filter_results]`, each with its matching ACLs.
    @Test func deleteAclsResponseV1() throws {
        let response = DeleteAclsResponse(throttleTimeMs: 0, filterResults: [
            .init(errorCode: 0, errorMessage: nil, matchingAcls: [
                .init(errorCode: 0, errorMessage: nil, resourceType: 3, resourceName: "g", patternType: 3,
                      principal: "User:a", host: "*", operation: 3, permissionType: 2)
            ])
        ])
        let expected: [UInt8] = [
            0, 0, 0, 0,  // throttle_time_ms
            0, 0, 0, 1,  // filter_results: 1
            0, 0, 0xFF, 0xFF,  // error_code, error_message: null
            0, 0, 0, 1,  // matching_acls: 1
            0, 0, 0xFF, 0xFF,  // error_code, error_message: null
            3, 0, 1, 0x67, 3,  // GROUP "g" LITERAL
            0, 6, 0x55, 0x73, 0x65, 0x72, 0x3A, 0x61,  // principal: "User:a"
            0, 1, 0x2A,  // host: "*"
            3, 2,  // operation: READ, permission_type: DENY
        ]
        #expect(try bytes(response, version: 1) == expected)
        #expect(try decode(DeleteAclsResponse.self, expected, version: 1) == response)
    }
}
