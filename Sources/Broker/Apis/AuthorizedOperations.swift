/// The `authorized_operations` bit fields of Metadata (v8+), DescribeCluster and DescribeGroups (v3+) when a client
/// asks for them. Gregor has no authorizer, and Kafka without one allows every operation a resource type supports
/// (`AclEntry.supportedOperations`), one bit per `AclOperation` code, as `Utils.to32BitField` packs them. Not asked
/// for, the field keeps its schema default, Int32.min.
enum AuthorizedOperations {
    /// READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11.
    static let topic = bitField([3, 4, 5, 6, 7, 8, 10, 11])
    /// CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
    static let cluster = bitField([5, 7, 8, 9, 10, 11, 12])
    /// READ 3, DELETE 6, DESCRIBE 8.
    static let group = bitField([3, 6, 8])

    private static func bitField(_ codes: [Int32]) -> Int32 {
        codes.reduce(0) { $0 | (1 << $1) }
    }
}
