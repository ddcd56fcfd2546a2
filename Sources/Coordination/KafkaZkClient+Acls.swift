import ZooKeeper

/// The ACL store in ZooKeeper (Kafka's `KafkaZkClient` ACL methods): per-pattern znodes under `/kafka-acl` and
/// `/kafka-acl-extended/prefixed`, updated by conditional read-modify-write, and the change notifications every
/// broker's authorizer follows.
extension KafkaZkClient {
    /// The store roots, one node per concrete resource type under each, and the change paths (`createAclPaths`),
    /// created by every broker whose authorizer is configured.
    public func createAclPaths() async throws {
        for patternType in ResourceZNode.storePatternTypes {
            for type in ResourceType.concrete {
                try await zooKeeper.ensurePath(ResourceZNode.path(patternType, type))
            }
        }
        for path in AclChangeNotification.changePaths {
            try await zooKeeper.ensurePath(path)
        }
    }

    /// A pattern's ACLs and zkVersion, `VersionedAcls.none` when its znode does not exist (`getVersionedAclsForResource`).
    public func versionedAcls(_ pattern: ResourcePattern) async throws -> VersionedAcls {
        let path = ResourceZNode.path(pattern)
        do {
            let (data, stat) = try await zooKeeper.getData(path)
            return VersionedAcls(acls: try ResourceZNode.decode(data, path: path), zkVersion: stat.version)
        } catch ZooKeeperError.noNode {
            return .none
        }
    }

    /// Writes a pattern's ACLs if the znode is still at `expected` (creating it for `unknownVersion`, deleting it
    /// for an empty set). Returns the new version, or nil when someone else changed it first (re-read and retry).
    public func conditionalSetAcls(
        _ pattern: ResourcePattern, _ acls: Set<AccessControlEntry>, expected: VersionedAcls
    ) async throws -> Int32? {
        let path = ResourceZNode.path(pattern)
        do {
            if acls.isEmpty {
                guard expected.exists else { return VersionedAcls.unknownVersion }
                try await zooKeeper.delete(path, version: expected.zkVersion)
                return VersionedAcls.unknownVersion
            }
            if expected.exists {
                return try await zooKeeper.setData(path, data: ResourceZNode.encode(acls), version: expected.zkVersion).version
            }
            _ = try await zooKeeper.createRecursively(path, data: ResourceZNode.encode(acls))
            return 0
        } catch ZooKeeperError.badVersion {
            return nil
        } catch ZooKeeperError.noNode {
            return nil
        } catch ZooKeeperError.nodeExists {
            return nil
        }
    }

    /// The resource names with ACLs of one pattern and resource type (`getResourceNames`).
    public func aclResourceNames(_ patternType: PatternType, _ resourceType: ResourceType) async throws -> [String] {
        do {
            return try await zooKeeper.getChildren(ResourceZNode.path(patternType, resourceType))
        } catch ZooKeeperError.noNode {
            return []
        }
    }

    /// Appends a change notification for a pattern (`createAclChangeNotification`).
    @discardableResult
    public func createAclChangeNotification(_ pattern: ResourcePattern) async throws -> String {
        try await zooKeeper.createRecursively(
            AclChangeNotification.changePath(pattern.patternType) + "/" + AclChangeNotification.sequencePrefix,
            data: AclChangeNotification.encode(pattern), mode: .persistentSequential)
    }

    /// The notification names under a change path, oldest first.
    public func aclChangeNotificationNames(_ changePath: String) async throws -> [(name: String, sequence: Int64)] {
        let children: [String]
        do {
            children = try await zooKeeper.getChildren(changePath)
        } catch ZooKeeperError.noNode {
            return []
        }
        return children.compactMap { name in AclChangeNotification.sequenceNumber(ofNodeName: name).map { (name, $0) } }
            .sorted { $0.sequence < $1.sequence }
    }

    /// One notification's pattern (or why it cannot be read) and creation time; nil when already purged.
    public func aclChangeNotification(
        _ changePath: String, _ name: String
    ) async throws -> (pattern: Result<ResourcePattern, any Error>, ctimeMs: Int64)? {
        let path = changePath + "/" + name
        do {
            let (data, stat) = try await zooKeeper.getData(path)
            return (Result { try AclChangeNotification.decode(data, changePath: changePath, path: path) }, stat.ctimeMs)
        } catch ZooKeeperError.noNode {
            return nil
        }
    }

    public func deleteAclChangeNotification(_ changePath: String, _ name: String) async throws {
        do {
            try await zooKeeper.delete(changePath + "/" + name)
        } catch ZooKeeperError.noNode {}
    }
}
