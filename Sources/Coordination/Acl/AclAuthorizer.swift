/// Kafka's `AclAuthorizer` decision (`authorizeAction`), pure: given who asks, from where, to do what on which
/// resource, and the ACLs the broker knows, allowed or not. In order:
/// 1. a super user (`super.users`) is allowed everything;
/// 2. no ACL applies to the resource at all: allowed only with `allow.everyone.if.no.acl.found`;
/// 3. a matching DENY refuses (DENY beats ALLOW);
/// 4. a matching ALLOW allows, where READ, WRITE, DELETE and ALTER imply DESCRIBE, and ALTER_CONFIGS implies
///    DESCRIBE_CONFIGS;
/// 5. otherwise refused.
/// An entry matches when its principal is the caller's or `User:*`, its host the caller's or `*`, and its
/// operation the one asked for or ALL. The driver that keeps the cache fresh is the broker's; this type does no I/O.
public struct AclAuthorizer: Sendable, Hashable {
    /// `super.users`, parsed.
    public var superUsers: Set<String>
    /// `allow.everyone.if.no.acl.found`.
    public var allowEveryoneIfNoAclFound: Bool

    public init(superUsers: Set<String> = [], allowEveryoneIfNoAclFound: Bool = false) {
        self.superUsers = superUsers
        self.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound
    }

    /// `super.users` as Kafka reads it: principals separated by semicolons, each trimmed; empty means none.
    public static func parseSuperUsers(_ text: String) -> Set<String> {
        Set(text.split(separator: ";").map { $0.trimmingSpaces }.filter { !$0.isEmpty })
    }

    /// Whether `principal` (`User:alice`) connecting from `host` (an IP address) may perform `operation` on the
    /// literal resource `resourceType`/`name`.
    public func authorize(
        principal: String, host: String, operation: AclOperation, resourceType: ResourceType, name: String,
        acls cache: AclCache
    ) -> Bool {
        if superUsers.contains(principal) { return true }
        let acls = cache.matchingAcls(resourceType, name)
        if acls.isEmpty { return allowEveryoneIfNoAclFound }
        func exists(_ op: AclOperation, _ permission: AclPermissionType) -> Bool {
            acls.contains { acl in
                acl.permissionType == permission
                    && (acl.principal == principal || acl.principal == AccessControlEntry.wildcardPrincipal)
                    && (acl.operation == op || acl.operation == .all)
                    && (acl.host == host || acl.host == AccessControlEntry.wildcardHost)
            }
        }
        if exists(operation, .deny) { return false }
        return Self.impliedBy(operation).contains { exists($0, .allow) }
    }

    /// Whether `principal` from `host` may do `operation` on at least one resource of `resourceType`
    /// (`authorizeByResourceType`, KIP-679), what InitProducerId asks when no IDEMPOTENT_WRITE is granted: "may
    /// this producer write to some topic?". Only the operation itself or ALL counts (no implied operations); a
    /// literal `*` DENY refuses everything; an ALLOW counts unless a DENY literal on the same name, or a DENY
    /// prefix of its name, covers it.
    public func authorizeByResourceType(
        principal: String, host: String, operation: AclOperation, resourceType: ResourceType, acls cache: AclCache
    ) -> Bool {
        if superUsers.contains(principal) { return true }
        var names: [AclPermissionType: [PatternType: Set<String>]] = [:]
        for (pattern, versioned) in cache.resources where pattern.resourceType == resourceType {
            let matching = versioned.acls.filter { acl in
                (acl.principal == principal || acl.principal == AccessControlEntry.wildcardPrincipal)
                    && (acl.host == host || acl.host == AccessControlEntry.wildcardHost)
                    && (acl.operation == operation || acl.operation == .all)
            }
            for acl in matching { names[acl.permissionType, default: [:]][pattern.patternType, default: []].insert(pattern.name) }
        }
        let denyLiterals = names[.deny]?[.literal] ?? []
        let denyPrefixes = names[.deny]?[.prefixed] ?? []
        if denyLiterals.contains(ResourcePattern.wildcardResource) { return false }
        if allowEveryoneIfNoAclFound { return true }
        func dominantDeny(_ name: String) -> Bool {
            name.indices.contains { denyPrefixes.contains(String(name[...$0])) }
        }
        let allowPrefixes = names[.allow]?[.prefixed] ?? []
        let allowLiterals = names[.allow]?[.literal] ?? []
        return allowPrefixes.contains { !dominantDeny($0) }
            || allowLiterals.contains { $0 == ResourcePattern.wildcardResource || (!denyLiterals.contains($0) && !dominantDeny($0)) }
    }

    /// The operations whose ALLOW also allows `operation` (`allowAclExists`).
    static func impliedBy(_ operation: AclOperation) -> [AclOperation] {
        switch operation {
        case .describe: [.describe, .read, .write, .delete, .alter]
        case .describeConfigs: [.describeConfigs, .alterConfigs]
        default: [operation]
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
