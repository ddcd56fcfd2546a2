/// Kafka's ACL vocabulary (`org.apache.kafka.common.resource.ResourceType`, `PatternType`,
/// `org.apache.kafka.common.acl.AclOperation`, `AclPermissionType`): the wire codes of CreateAcls, DescribeAcls and
/// DeleteAcls, and the names ZooKeeper and kafka-acls.sh use (`SecurityUtils`: PascalCase of the enum name).
/// `unknown` is what an unassigned code decodes to; `any` (and `match`) exist only in filters.
public enum ResourceType: Int8, Sendable, Hashable, CaseIterable, Comparable {
    case unknown = 0, any = 1, topic = 2, group = 3, cluster = 4, transactionalId = 5, delegationToken = 6

    /// The concrete types an ACL can name (`AclEntry.ResourceTypes`).
    public static let concrete: [ResourceType] = [.topic, .group, .cluster, .transactionalId, .delegationToken]

    public init(code: Int8) { self = ResourceType(rawValue: code) ?? .unknown }

    /// `TOPIC`, `TRANSACTIONAL_ID`: Java's enum name, used in the legacy change notification.
    public var enumName: String { AclNames.enumName(of: self) }
    /// `Topic`, `TransactionalId`: the znode name under `/kafka-acl` (`SecurityUtils.resourceTypeName`).
    public var name: String { AclNames.pascalCase(enumName) }

    /// Parses either spelling, case-insensitively (`ResourceType.fromString`, `SecurityUtils.resourceType`).
    public init?(name: String) {
        guard let type = ResourceType.allCases.first(where: { AclNames.sameName($0.enumName, name) }) else { return nil }
        self = type
    }

    /// The operations an ACL on this type can name (`AclEntry.supportedOperations`), ALL aside.
    public var supportedOperations: [AclOperation] {
        switch self {
        case .topic: [.read, .write, .create, .delete, .alter, .describe, .describeConfigs, .alterConfigs]
        case .group: [.read, .delete, .describe]
        case .cluster: [.create, .alter, .describe, .clusterAction, .describeConfigs, .alterConfigs, .idempotentWrite]
        case .transactionalId: [.write, .describe]
        case .delegationToken: [.describe]
        default: []
        }
    }

    public static func < (lhs: ResourceType, rhs: ResourceType) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum PatternType: Int8, Sendable, Hashable, CaseIterable, Comparable {
    case unknown = 0, any = 1, match = 2, literal = 3, prefixed = 4

    public init(code: Int8) { self = PatternType(rawValue: code) ?? .unknown }

    /// `LITERAL`, `PREFIXED` (Kafka writes pattern types upper case everywhere).
    public var enumName: String { AclNames.enumName(of: self) }

    /// Whether an ACL can have it (`PatternType.isSpecific`): LITERAL and PREFIXED.
    public var isSpecific: Bool { self == .literal || self == .prefixed }

    public init?(name: String) {
        guard let type = PatternType.allCases.first(where: { AclNames.sameName($0.enumName, name) }) else { return nil }
        self = type
    }

    public static func < (lhs: PatternType, rhs: PatternType) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum AclOperation: Int8, Sendable, Hashable, CaseIterable {
    case unknown = 0, any = 1, all = 2, read = 3, write = 4, create = 5, delete = 6, alter = 7, describe = 8
    case clusterAction = 9, describeConfigs = 10, alterConfigs = 11, idempotentWrite = 12

    public init(code: Int8) { self = AclOperation(rawValue: code) ?? .unknown }

    public var enumName: String { AclNames.enumName(of: self) }
    /// `Write`, `DescribeConfigs`: the name in an ACL znode (`SecurityUtils.operationName`).
    public var name: String { AclNames.pascalCase(enumName) }

    /// Parses `Write`, `WRITE`, `DescribeConfigs` or `DESCRIBE_CONFIGS`.
    public init?(name: String) {
        guard let op = AclOperation.allCases.first(where: { AclNames.sameName($0.enumName, name) }) else { return nil }
        self = op
    }
}

public enum AclPermissionType: Int8, Sendable, Hashable, CaseIterable {
    case unknown = 0, any = 1, deny = 2, allow = 3

    public init(code: Int8) { self = AclPermissionType(rawValue: code) ?? .unknown }

    public var enumName: String { AclNames.enumName(of: self) }
    /// `Allow`, `Deny` (`SecurityUtils.permissionTypeName`).
    public var name: String { AclNames.pascalCase(enumName) }

    public init?(name: String) {
        guard let type = AclPermissionType.allCases.first(where: { AclNames.sameName($0.enumName, name) }) else {
            return nil
        }
        self = type
    }
}

/// Java enum names from Swift case names, and Kafka's PascalCase of them.
enum AclNames {
    /// `transactionalId` -> `TRANSACTIONAL_ID`.
    static func enumName<T>(of value: T) -> String {
        var out = ""
        for character in String(describing: value) {
            if character.isUppercase { out.append("_") }
            out.append(contentsOf: character.uppercased())
        }
        return out
    }

    /// `TRANSACTIONAL_ID` -> `TransactionalId` (`SecurityUtils.toPascalCase`).
    static func pascalCase(_ enumName: String) -> String {
        enumName.split(separator: "_").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined()
    }

    /// Whether `name` is `enumName` in upper snake case or in PascalCase, ignoring case.
    static func sameName(_ enumName: String, _ name: String) -> Bool {
        name.uppercased().filter { $0 != "_" } == enumName.filter { $0 != "_" }
    }
}
