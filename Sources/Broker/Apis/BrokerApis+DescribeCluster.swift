import Coordination
import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDescribeCluster` (KIP-700): the cluster id, the controller and the live brokers with their
    /// endpoint on the listener the client came in on, and the cluster's authorized operations when asked.
    /// v1's endpoint type (Kafka 3.7's `computeDescribeClusterResponse`): a broker describes brokers (1); asked
    /// for controllers (2) it answers MISMATCHED_ENDPOINT_TYPE, for anything else UNSUPPORTED_ENDPOINT_TYPE
    /// (INVALID_REQUEST in v0, where the field cannot be anything but 1).
    func describeCluster(_ request: DescribeClusterRequest, _ context: RequestContext) -> DescribeClusterResponse {
        guard request.endpointType == 1 else {
            let v0 = context.apiVersion == 0
            if request.endpointType == 2 {
                return DescribeClusterResponse(
                    errorCode: v0 ? ErrorCode.invalidRequest.rawValue : Self.mismatchedEndpointType,
                    errorMessage: "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER")
            }
            return DescribeClusterResponse(
                errorCode: v0 ? ErrorCode.invalidRequest.rawValue : Self.unsupportedEndpointType,
                errorMessage: "Unsupported endpoint type \(request.endpointType)")
        }
        let listener = context.connection.listenerName
        let brokers = metadataCache.aliveBrokers().compactMap { node -> DescribeClusterResponse.DescribeClusterBroker? in
            guard let endpoint = node.endpoints[listener] else { return nil }
            return .init(brokerId: node.id, host: endpoint.host, port: endpoint.port, rack: node.rack)
        }
        var response = DescribeClusterResponse(
            clusterId: settings.clusterId, controllerId: metadataCache.controllerId ?? -1, brokers: brokers)
        if request.includeClusterAuthorizedOperations {
            // Kafka answers the bit field only to a principal that may DESCRIBE the cluster, else 0.
            let auth = authorizer(context)
            response.clusterAuthorizedOperations =
                auth.authorizeCluster(.describe) ? auth.authorizedOperations(.cluster, ResourcePattern.clusterName) : 0
        }
        return response
    }

    /// Kafka 3.7's MISMATCHED_ENDPOINT_TYPE and UNSUPPORTED_ENDPOINT_TYPE (KIP-919), which only DescribeCluster v1
    /// answers; Kafka 2.8's error table, `ErrorCode`, ends before them.
    static let mismatchedEndpointType: Int16 = 114
    static let unsupportedEndpointType: Int16 = 115
}
