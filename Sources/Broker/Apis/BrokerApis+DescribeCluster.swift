import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDescribeCluster` (KIP-700): the cluster id, the controller and the live brokers with their
    /// endpoint on the listener the client came in on. Without an authorizer there is no ACL to report: the cluster
    /// authorized operations are Int32.min (the schema's "not provided") unless the client asked, and then every
    /// cluster operation, as Kafka's `authorizedOperations` gives with no authorizer.
    func describeCluster(_ request: DescribeClusterRequest, _ context: RequestContext) -> DescribeClusterResponse {
        let listener = context.connection.listenerName
        let brokers = metadataCache.aliveBrokers().compactMap { node -> DescribeClusterResponse.DescribeClusterBroker? in
            guard let endpoint = node.endpoints[listener] else { return nil }
            return .init(brokerId: node.id, host: endpoint.host, port: endpoint.port, rack: node.rack)
        }
        var response = DescribeClusterResponse(
            clusterId: settings.clusterId, controllerId: metadataCache.controllerId ?? -1, brokers: brokers)
        if request.includeClusterAuthorizedOperations {
            response.clusterAuthorizedOperations = Self.clusterOperationsBitField
        }
        return response
    }

    /// The `AclOperation` codes Kafka supports on a cluster (CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
    /// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12), one bit each, as `Utils.to32BitField` packs them.
    static let clusterOperationsBitField: Int32 = [5, 7, 8, 9, 10, 11, 12].reduce(0) { $0 | (1 << $1) }
}
