import Coordination
import KafkaProtocol
import Logging

/// The authorization checks of one request (Kafka's `AuthHelper` over `AclAuthorizer.authorize`): who asks (the
/// connection's principal), from where (its IP address), for which API, against one snapshot of the ACLs taken when
/// the request arrived, so that every check of a request sees the same ACLs. Decisions are `AclAuthorizer`'s (pure);
/// this type only asks them and writes Kafka's audit line for each (`logAuditMessage`). Without an authorizer
/// (`authorizer.class.name` empty) everything is allowed and nothing is logged, as in Kafka.
struct RequestAuthorizer: Sendable {
    /// Kafka's `kafka.authorizer.logger`: the audit log operators route to `kafka-authorizer.log`.
    static let auditLogLabel = "kafka.authorizer.logger"

    let decision: AclAuthorizer?
    let acls: AclCache
    let principal: String
    let host: String
    let api: ApiKey
    let auditLogger: Logger

    init(decision: AclAuthorizer?, acls: AclCache, principal: String, host: String, api: ApiKey, auditLogger: Logger) {
        self.decision = decision
        self.acls = acls
        self.principal = principal
        self.host = host
        self.api = api
        self.auditLogger = auditLogger
    }

    /// Whether anything is checked at all.
    var isEnabled: Bool { decision != nil }

    /// One literal resource (`AuthHelper.authorize`). `logIfDenied: false` is for checks whose refusal is not a
    /// refusal of the request (a first try at the cluster before the topics, authorized operations, filters).
    func authorize(
        _ operation: AclOperation, _ resourceType: ResourceType, _ name: String,
        logIfAllowed: Bool = true, logIfDenied: Bool = true, refCount: Int = 1
    ) -> Bool {
        guard let decision else { return true }
        let allowed = decision.authorize(
            principal: principal, host: host, operation: operation, resourceType: resourceType, name: name, acls: acls)
        audit(allowed, operation, ResourcePattern(resourceType, name), refCount: refCount,
              logIfAllowed: logIfAllowed, logIfDenied: logIfDenied)
        return allowed
    }

    /// The CLUSTER resource (`kafka-cluster`), what controller, admin and ACL requests need.
    func authorizeCluster(_ operation: AclOperation, logIfDenied: Bool = true) -> Bool {
        authorize(operation, .cluster, ResourcePattern.clusterName, logIfDenied: logIfDenied)
    }

    /// The names among `names` the principal may do `operation` on (`AuthHelper.filterByAuthorized`): each
    /// distinct name is checked (and logged) once, with how often the request names it as its reference count.
    func filterByAuthorized<Names: Sequence<String>>(
        _ operation: AclOperation, _ resourceType: ResourceType, _ names: Names, logIfDenied: Bool = true
    ) -> Set<String> {
        guard isEnabled else { return Set(names) }
        var counts: [String: Int] = [:]
        var order: [String] = []
        for name in names {
            if counts[name] == nil { order.append(name) }
            counts[name, default: 0] += 1
        }
        return Set(order.filter {
            authorize(operation, resourceType, $0, logIfDenied: logIfDenied, refCount: counts[$0] ?? 1)
        })
    }

    /// Whether the principal may do `operation` on at least one resource of the type (`authorizeByResourceType`).
    func authorizeByResourceType(_ operation: AclOperation, _ resourceType: ResourceType) -> Bool {
        guard let decision else { return true }
        let allowed = decision.authorizeByResourceType(
            principal: principal, host: host, operation: operation, resourceType: resourceType, acls: acls)
        // Kafka names no resource here: `ResourcePattern(type, "NONE", UNKNOWN)`, reference count 0.
        audit(allowed, operation, ResourcePattern(resourceType, "NONE", .unknown), refCount: 0, logIfAllowed: true, logIfDenied: true)
        return allowed
    }

    /// The `authorized_operations` bit field of a resource (`AuthHelper.authorizedOperations`): one bit per
    /// operation the resource type supports that the principal may do, checked without logging denials.
    func authorizedOperations(_ resourceType: ResourceType, _ name: String) -> Int32 {
        let allowed = resourceType.supportedOperations.filter {
            authorize($0, resourceType, name, logIfAllowed: false, logIfDenied: false)
        }
        return AuthorizedOperations.bitField(allowed)
    }

    /// Kafka's `logAuditMessage`: a refusal the request asked for at INFO, an allowed access at DEBUG, and the
    /// checks that only probe (filters, authorized operations) at TRACE.
    private func audit(
        _ allowed: Bool, _ operation: AclOperation, _ pattern: ResourcePattern, refCount: Int, logIfAllowed: Bool, logIfDenied: Bool
    ) {
        let level: Logger.Level = allowed ? (logIfAllowed ? .debug : .trace) : (logIfDenied ? .info : .trace)
        guard auditLogger.logLevel <= level else { return }
        auditLogger.log(level: level, "\(Self.auditMessage(principal: principal, allowed: allowed, operation: operation, host: host, pattern: pattern, api: api, refCount: refCount))")
    }

    /// `Principal = User:alice is Denied Operation = Write from host = 127.0.0.1 on resource = Topic:LITERAL:orders
    /// for request = Produce with resourceRefCount = 1`, word for word Kafka 2.8's line.
    static func auditMessage(
        principal: String, allowed: Bool, operation: AclOperation, host: String, pattern: ResourcePattern, api: ApiKey,
        refCount: Int
    ) -> String {
        let resource = "\(pattern.resourceType.name):\(pattern.patternType.enumName):\(pattern.name)"
        let apiName = api.name ?? String(api.rawValue)
        return "Principal = \(principal) is \(allowed ? "Allowed" : "Denied") Operation = \(operation.name) from host = \(host) on resource = \(resource) for request = \(apiName) with resourceRefCount = \(refCount)"
    }
}
