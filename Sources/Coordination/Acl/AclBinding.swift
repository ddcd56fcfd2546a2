/// A resource pattern an ACL is attached to (Kafka's `ResourcePattern`): a concrete resource type, a name and
/// LITERAL or PREFIXED. A literal `*` names every resource of the type.
public struct ResourcePattern: Sendable, Hashable, Comparable {
    /// `*` (`ResourcePattern.WILDCARD_RESOURCE`).
    public static let wildcardResource = "*"
    /// The only name a CLUSTER resource has (`Resource.CLUSTER_NAME`).
    public static let clusterName = "kafka-cluster"

    public var resourceType: ResourceType
    public var name: String
    public var patternType: PatternType

    public init(_ resourceType: ResourceType, _ name: String, _ patternType: PatternType = .literal) {
        self.resourceType = resourceType
        self.name = name
        self.patternType = patternType
    }

    /// Kafka's ordering of its ACL cache: by type, then pattern type, then name descending (so that prefixes of a
    /// name follow it), used here to list ACLs in a stable order.
    public static func < (lhs: ResourcePattern, rhs: ResourcePattern) -> Bool {
        if lhs.resourceType != rhs.resourceType { return lhs.resourceType < rhs.resourceType }
        if lhs.patternType != rhs.patternType { return lhs.patternType < rhs.patternType }
        return lhs.name > rhs.name
    }
}

/// One access rule without its resource (Kafka's `AccessControlEntry`): who (`User:alice`, or `User:*`), from
/// which host (`*` for any), may or may not do what.
public struct AccessControlEntry: Sendable, Hashable {
    /// `User:*` (`AclEntry.WildcardPrincipalString`).
    public static let wildcardPrincipal = "User:*"
    /// `*` (`AclEntry.WildcardHost`).
    public static let wildcardHost = "*"

    public var principal: String
    public var host: String
    public var operation: AclOperation
    public var permissionType: AclPermissionType

    public init(principal: String, host: String, operation: AclOperation, permissionType: AclPermissionType) {
        self.principal = principal
        self.host = host
        self.operation = operation
        self.permissionType = permissionType
    }
}

/// An ACL: an entry bound to a resource pattern (Kafka's `AclBinding`).
public struct AclBinding: Sendable, Hashable {
    public var pattern: ResourcePattern
    public var entry: AccessControlEntry

    public init(_ pattern: ResourcePattern, _ entry: AccessControlEntry) {
        self.pattern = pattern
        self.entry = entry
    }

    /// Why an authorizer refuses to store it (INVALID_REQUEST), nil when it may: the checks of
    /// `KafkaApis.handleCreateAcls` and `AuthorizerUtils.validateAclBinding`, with the messages Kafka answers.
    public var invalidReason: String? {
        if pattern.resourceType == .cluster && pattern.name != ResourcePattern.clusterName {
            return "The only valid name for the CLUSTER resource is \(ResourcePattern.clusterName)"
        }
        if pattern.name.isEmpty { return "Invalid empty resource name" }
        if !ResourceType.concrete.contains(pattern.resourceType) || !pattern.patternType.isSpecific
            || [.unknown, .any].contains(entry.operation) || ![.allow, .deny].contains(entry.permissionType)
        {
            return "Failed to create ACL"  // Kafka wraps "ACL binding contains unknown elements" under this message
        }
        if AclPrincipal.parse(entry.principal) == nil {
            return "expected a string in format principalType:principalName but got \(entry.principal)"
        }
        return nil
    }
}

/// `principalType:name`, e.g. `User:alice` (`SecurityUtils.parseKafkaPrincipal`).
public enum AclPrincipal {
    public static func parse(_ text: String) -> (type: String, name: String)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
