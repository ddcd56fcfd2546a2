import Coordination

/// The `authorized_operations` bit fields of Metadata (v8+), DescribeCluster and DescribeGroups (v3+) when a client
/// asks for them: one bit per `AclOperation` code the principal may perform on the resource, among those its type
/// supports (`AclEntry.supportedOperations`), as `Utils.to32BitField` packs them (`RequestAuthorizer` decides).
/// Without an authorizer every supported operation is allowed. Not asked for, the field keeps its schema default,
/// Int32.min.
enum AuthorizedOperations {
    static func bitField(_ operations: [AclOperation]) -> Int32 {
        operations.reduce(0) { $0 | (1 << Int32($1.rawValue)) }
    }
}
