import Coordination
import KafkaProtocol
import Logging
import Synchronization

/// The driver of Kafka's `AclAuthorizer` (`authorizer.class.name=kafka.security.authorizer.AclAuthorizer`): keeps
/// this broker's `AclCache` equal to the ACL znodes (loaded at startup, refreshed from the change notifications
/// by `AclChangeListener`) and writes CreateAcls/DeleteAcls to ZooKeeper by conditional read-modify-write, retried
/// on a concurrent change, followed by a change notification so every broker re-reads the pattern.
/// Decisions are `AclAuthorizer`'s (pure); `RequestAuthorizer` asks them for each request, over `snapshot`.
final class ZkAclAuthorizer: Sendable {
    /// Kafka's `AclAuthorizer.maxUpdateRetries`.
    static let maxUpdateRetries = 10

    let decision: AclAuthorizer
    let session: @Sendable () -> KafkaZkClient
    let logger: Logger
    private let cache = Mutex(AclCache())

    init(decision: AclAuthorizer, session: @escaping @Sendable () -> KafkaZkClient, logger: Logger) {
        self.decision = decision
        self.session = session
        self.logger = logger
    }

    /// The ACLs this broker knows now.
    var snapshot: AclCache { cache.withLock { $0 } }

    /// Creates the ACL paths and loads every ACL znode (`configure`: `createAclPaths`, `loadCache`).
    func start() async throws {
        let zk = session()
        try await zk.createAclPaths()
        for patternType in ResourceZNode.storePatternTypes {
            for type in ResourceType.concrete {
                for name in try await zk.aclResourceNames(patternType, type) {
                    try await refresh(ResourcePattern(type, name, patternType), zk: zk)
                }
            }
        }
    }

    /// Re-reads one pattern's znode into the cache (`processAclChangeNotification`).
    func refresh(_ pattern: ResourcePattern, zk: KafkaZkClient) async throws {
        let versioned = try await zk.versionedAcls(pattern)
        cache.withLock { $0.update(pattern, versioned) }
    }

    /// Adds bindings, grouped by pattern (`createAcls`); one result per binding, nil for success.
    func createAcls(_ bindings: [AclBinding]) async -> [AclApiError?] {
        var results = [AclApiError?](repeating: nil, count: bindings.count)
        var byPattern: [ResourcePattern: [Int]] = [:]
        for (index, binding) in bindings.enumerated() {
            if let reason = binding.invalidReason {
                results[index] = AclApiError(.invalidRequest, reason)
            } else {
                byPattern[binding.pattern, default: []].append(index)
            }
        }
        for (pattern, indexes) in byPattern.sorted(by: { $0.key < $1.key }) {
            do {
                try await updateResourceAcls(pattern) { $0.union(indexes.map { bindings[$0].entry }) }
            } catch {
                for index in indexes { results[index] = AclApiError(.unknownServerError, "\(error)") }
            }
        }
        return results
    }

    /// Removes what each filter matches (`deleteAcls`): over every pattern in the cache and every pattern a filter
    /// names directly. One list per filter of the bindings it removed, each with its error (nil when deleted).
    func deleteAcls(_ filters: [AclBindingFilter]) async -> [[(binding: AclBinding, error: AclApiError?)]] {
        var results = [[(binding: AclBinding, error: AclApiError?)]](repeating: [], count: filters.count)
        let patterns = Set(snapshot.resources.keys).union(filters.flatMap(\.directResources))
        for pattern in patterns.sorted() {
            let matching = filters.indices.filter { filters[$0].matches(pattern) }
            guard !matching.isEmpty else { continue }
            var removed: [(filter: Int, binding: AclBinding)] = []
            do {
                try await updateResourceAcls(pattern) { current in
                    removed = []
                    return current.filter { entry in
                        guard let filter = matching.first(where: { filters[$0].matches(entry) }) else { return true }
                        removed.append((filter, AclBinding(pattern, entry)))
                        return false
                    }
                }
                for (filter, binding) in removed { results[filter].append((binding, nil)) }
            } catch {
                for (filter, binding) in removed {
                    results[filter].append((binding, AclApiError(.unknownServerError, "\(error)")))
                }
            }
        }
        return results
    }

    /// Kafka's `updateResourceAcls`: read (cache, else ZooKeeper), transform, write conditionally; on a concurrent
    /// change re-read from ZooKeeper and try again, at most `maxUpdateRetries` times. A change is announced.
    private func updateResourceAcls(
        _ pattern: ResourcePattern, _ transform: (Set<AccessControlEntry>) -> Set<AccessControlEntry>
    ) async throws {
        let zk = session()
        var current: VersionedAcls
        if let cached = snapshot[pattern] { current = cached } else { current = try await zk.versionedAcls(pattern) }
        for _ in 0...Self.maxUpdateRetries {
            let acls = transform(current.acls)
            if acls == current.acls { return }
            if let version = try await zk.conditionalSetAcls(pattern, acls, expected: current) {
                cache.withLock { $0.update(pattern, VersionedAcls(acls: acls, zkVersion: version)) }
                try await zk.createAclChangeNotification(pattern)
                logger.info("Updated ACLs for \(pattern.resourceType.name):\(pattern.patternType.enumName):\(pattern.name) with new version \(version)")
                return
            }
            current = try await zk.versionedAcls(pattern)
            cache.withLock { $0.update(pattern, current) }
        }
        throw AclUpdateError.tooManyRetries(pattern)
    }
}

/// An error for one ACL in a CreateAcls/DeleteAcls response.
struct AclApiError: Sendable, Equatable {
    var code: ErrorCode
    var message: String

    init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

enum AclUpdateError: Error, CustomStringConvertible {
    case tooManyRetries(ResourcePattern)

    var description: String {
        switch self {
        case .tooManyRetries(let pattern):
            "Failed to update ACLs for \(pattern.resourceType.name):\(pattern.patternType.enumName):\(pattern.name) after trying a maximum of \(ZkAclAuthorizer.maxUpdateRetries) times"
        }
    }
}
