import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDescribeCluster` (KIP-700): the cluster id, the controller and the live brokers with their
    /// endpoint on the listener the client came in on, and the cluster's authorized operations when asked.
    func describeCluster(_ request: DescribeClusterRequest, _ context: RequestContext) -> DescribeClusterResponse {
        let listener = context.connection.listenerName
        let brokers = metadataCache.aliveBrokers().compactMap { node -> DescribeClusterResponse.DescribeClusterBroker? in
            guard let endpoint = node.endpoints[listener] else { return nil }
            return .init(brokerId: node.id, host: endpoint.host, port: endpoint.port, rack: node.rack)
        }
        var response = DescribeClusterResponse(
            clusterId: settings.clusterId, controllerId: metadataCache.controllerId ?? -1, brokers: brokers)
        if request.includeClusterAuthorizedOperations {
            response.clusterAuthorizedOperations = AuthorizedOperations.cluster
        }
        return response
    }
}
