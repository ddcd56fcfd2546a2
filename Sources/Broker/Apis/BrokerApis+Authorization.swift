import Coordination
import KafkaProtocol
import Logging

extension BrokerApis {
    /// The audit logger (`kafka.authorizer.logger`), made on first use, after the server bootstrapped logging.
    static let authorizerLogger = Logger(label: RequestAuthorizer.auditLogLabel)

    /// The checks of one request: its principal and host against the ACLs as they are now (everything allowed
    /// without an authorizer).
    func authorizer(_ context: RequestContext) -> RequestAuthorizer {
        RequestAuthorizer(
            decision: aclAuthorizer?.decision, acls: aclAuthorizer?.snapshot ?? AclCache(), principal: context.principal,
            host: context.connection.clientAddress, api: context.header.apiKey, auditLogger: Self.authorizerLogger)
    }

    /// The message of the ClusterAuthorizationException Kafka's `authorizeClusterOperation` throws, for the
    /// responses that carry one (Kafka prints its internal request object there; Gregor names the API and who).
    static func clusterAuthorizationMessage(_ context: RequestContext) -> String {
        "Request \(context.header.apiKey.name ?? "\(context.header.apiKey.rawValue)") from \(context.principal) is not authorized."
    }
}

extension RequestAuthorizer {
    /// Whether a config resource may be described or altered (`operation` DESCRIBE_CONFIGS or ALTER_CONFIGS): a broker
    /// or broker-logger resource is the cluster's, a topic is its own. nil when allowed (or a type no ACL covers,
    /// which the handler refuses by itself), else the error the resource gets.
    func configResourceRefusal(_ operation: AclOperation, type: Int8, name: String) -> ErrorCode? {
        switch type {
        case ConfigResourceType.broker, ConfigResourceType.brokerLogger:
            authorizeCluster(operation) ? nil : .clusterAuthorizationFailed
        case ConfigResourceType.topic:
            authorize(operation, .topic, name) ? nil : .topicAuthorizationFailed
        default:
            nil
        }
    }
}

extension ErrorCode {
    /// Kafka's default message of an authorization error (`Errors.message()`), which some responses carry.
    var authorizationMessage: String? {
        switch self {
        case .topicAuthorizationFailed: "Topic authorization failed."
        case .groupAuthorizationFailed: "Group authorization failed."
        case .clusterAuthorizationFailed: "Cluster authorization failed."
        case .transactionalIdAuthorizationFailed: "Transactional Id authorization failed."
        default: nil
        }
    }
}
