/// Which ACLs DescribeAcls lists and DeleteAcls removes (Kafka's `AclBindingFilter`: a `ResourcePatternFilter`
/// and an `AccessControlEntryFilter`). Nil strings and `any` codes match everything; pattern type MATCH matches the
/// literal name, the literal `*` and every prefix of the name.
public struct AclBindingFilter: Sendable, Hashable {
    public var resourceType: ResourceType
    public var name: String?
    public var patternType: PatternType
    public var principal: String?
    public var host: String?
    public var operation: AclOperation
    public var permissionType: AclPermissionType

    public init(
        resourceType: ResourceType = .any, name: String? = nil, patternType: PatternType = .any,
        principal: String? = nil, host: String? = nil, operation: AclOperation = .any,
        permissionType: AclPermissionType = .any
    ) {
        self.resourceType = resourceType
        self.name = name
        self.patternType = patternType
        self.principal = principal
        self.host = host
        self.operation = operation
        self.permissionType = permissionType
    }

    /// Every ACL (`AclBindingFilter.ANY`).
    public static let any = AclBindingFilter()

    /// Whether a code is unknown (Kafka refuses such a request while parsing it).
    public var hasUnknownElements: Bool {
        resourceType == .unknown || patternType == .unknown || operation == .unknown || permissionType == .unknown
    }

    public func matches(_ binding: AclBinding) -> Bool {
        matches(binding.pattern) && matches(binding.entry)
    }

    /// `ResourcePatternFilter.matches`.
    public func matches(_ pattern: ResourcePattern) -> Bool {
        if resourceType != .any && resourceType != pattern.resourceType { return false }
        if patternType != .any && patternType != .match && patternType != pattern.patternType { return false }
        guard let name else { return true }
        if patternType == .any || patternType == pattern.patternType { return name == pattern.name }
        switch pattern.patternType {
        case .literal: return name == pattern.name || pattern.name == ResourcePattern.wildcardResource
        case .prefixed: return name.hasPrefix(pattern.name)
        default: return false
        }
    }

    /// `AccessControlEntryFilter.matches`.
    public func matches(_ entry: AccessControlEntry) -> Bool {
        if let principal, principal != entry.principal { return false }
        if let host, host != entry.host { return false }
        if operation != .any && operation != entry.operation { return false }
        return permissionType == .any || permissionType == entry.permissionType
    }

    /// The resource patterns the filter can only mean, when it names one directly (`AclAuthorizer.filterToResources`
    /// for filters that `matchesAtMostOne` on the resource side): a DeleteAcls filter reads them from ZooKeeper
    /// even when this broker's cache has not seen them yet.
    public var directResources: [ResourcePattern] {
        guard ResourceType.concrete.contains(resourceType), let name else { return [] }
        switch patternType {
        case .literal, .prefixed: return [ResourcePattern(resourceType, name, patternType)]
        case .any: return [ResourcePattern(resourceType, name, .literal), ResourcePattern(resourceType, name, .prefixed)]
        default: return []
        }
    }
}
