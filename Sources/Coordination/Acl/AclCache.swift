/// The ACLs of one resource pattern with the zkVersion they were read at (Kafka's `VersionedAcls`); the version is
/// the condition of the next read-modify-write of that znode.
public struct VersionedAcls: Sendable, Hashable {
    /// Kafka's `ZkVersion.UnknownVersion`: the znode does not exist.
    public static let unknownVersion: Int32 = -2
    public static let none = VersionedAcls(acls: [], zkVersion: unknownVersion)

    public var acls: Set<AccessControlEntry>
    public var zkVersion: Int32

    public init(acls: Set<AccessControlEntry>, zkVersion: Int32) {
        self.acls = acls
        self.zkVersion = zkVersion
    }

    public var exists: Bool { zkVersion != Self.unknownVersion }
}

/// Every ACL a broker knows, by resource pattern (`AclAuthorizer.aclCache`). A value: the authorizer's driver
/// swaps in a new one after each load or change notification, and decisions read a consistent snapshot.
public struct AclCache: Sendable, Hashable {
    public private(set) var resources: [ResourcePattern: VersionedAcls] = [:]

    public init() {}

    public init(_ bindings: [AclBinding]) {
        for binding in bindings {
            resources[binding.pattern, default: VersionedAcls(acls: [], zkVersion: 0)].acls.insert(binding.entry)
        }
    }

    /// Replaces a pattern's ACLs (`updateCache`): an empty set removes the pattern.
    public mutating func update(_ pattern: ResourcePattern, _ versioned: VersionedAcls) {
        resources[pattern] = versioned.acls.isEmpty ? nil : versioned
    }

    public subscript(pattern: ResourcePattern) -> VersionedAcls? { resources[pattern] }

    /// The ACLs that apply to one concrete resource (`matchingAcls`): its literal ACLs, the literal `*` ACLs of its
    /// type, and the ACLs of every prefix of its name.
    public func matchingAcls(_ resourceType: ResourceType, _ name: String) -> [AccessControlEntry] {
        var matching: [AccessControlEntry] = []
        for (pattern, versioned) in resources where pattern.resourceType == resourceType {
            let applies =
                switch pattern.patternType {
                case .literal: pattern.name == name || pattern.name == ResourcePattern.wildcardResource
                case .prefixed: name.hasPrefix(pattern.name)
                default: false
                }
            if applies { matching.append(contentsOf: versioned.acls) }
        }
        return matching
    }

    /// The bindings a filter selects (`AclAuthorizer.acls`), sorted by pattern for stable output.
    public func bindings(matching filter: AclBindingFilter) -> [AclBinding] {
        resources.keys.sorted().flatMap { pattern in
            resources[pattern, default: .none].acls.map { AclBinding(pattern, $0) }.filter(filter.matches)
                .sorted { ($0.entry.principal, $0.entry.host, $0.entry.operation.rawValue, $0.entry.permissionType.rawValue)
                    < ($1.entry.principal, $1.entry.host, $1.entry.operation.rawValue, $1.entry.permissionType.rawValue) }
        }
    }
}
