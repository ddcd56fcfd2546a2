/// Startup checks across all log directories, in the order Kafka's `KafkaServer.startup` makes them:
/// the directories must agree with each other, then with the cluster id in ZooKeeper, then with `broker.id`.
extension MetaProperties {
    /// The identity stored in `logDirs`, or nil when none of them has a `meta.properties` yet. Directories without
    /// the file are ignored (they are new); directories that have one must all hold the same identity.
    public static func readAll(logDirs: [String]) throws(MetaPropertiesError) -> MetaProperties? {
        var stored: [String: MetaProperties] = [:]
        for logDir in logDirs {
            if let meta = try read(logDir: logDir) {
                stored[logDir] = meta
            }
        }
        guard let first = stored.values.first else { return nil }
        guard stored.values.allSatisfy({ $0 == first }) else {
            throw .inconsistentLogDirs(stored)
        }
        return first
    }

    /// Checks what `logDirs` store against the cluster this broker joined and its configured id, and returns the
    /// stored broker id (nil for a brand-new broker), which takes the place of a `broker.id` of -1.
    ///
    /// - Parameters:
    ///   - configuredBrokerId: `broker.id` from the configuration; nil (or negative) when it is -1, "generate one".
    ///   - clusterId: the cluster id read from (or just created in) ZooKeeper's `/cluster/id`.
    public static func reconcile(
        logDirs: [String],
        configuredBrokerId: Int32?,
        clusterId: String
    ) throws(MetaPropertiesError) -> Int32? {
        guard let stored = try readAll(logDirs: logDirs) else { return nil }
        if let storedClusterId = stored.clusterId, storedClusterId != clusterId {
            throw .clusterIdMismatch(expected: clusterId, stored: storedClusterId)
        }
        if let configured = configuredBrokerId, configured >= 0, configured != stored.brokerId {
            throw .brokerIdMismatch(configured: configured, stored: stored.brokerId)
        }
        return stored.brokerId
    }

    /// Writes this identity into every directory (Kafka rewrites all of them at each startup, which also adds the
    /// file to new directories and the cluster id to files from before cluster ids existed).
    public func writeAll(logDirs: [String]) throws(MetaPropertiesError) {
        for logDir in logDirs {
            try write(logDir: logDir)
        }
    }
}

/// Why a log directory's `meta.properties` cannot be used; descriptions use Kafka's wording where Kafka has one.
public enum MetaPropertiesError: Error, Equatable, CustomStringConvertible {
    case malformed(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)
    case io(operation: String, path: String, reason: String)
    /// Two directories hold different identities, keyed by log directory.
    case inconsistentLogDirs([String: MetaProperties])
    case clusterIdMismatch(expected: String, stored: String)
    case brokerIdMismatch(configured: Int32, stored: Int32)

    public var description: String {
        switch self {
        case .malformed(let path, let reason):
            "Malformed meta.properties file '\(path)': \(reason)"
        case .unsupportedVersion(let path, let version):
            "Found unexpected version \(version) in loaded `meta.properties` '\(path)'. Zk-based brokers only "
                + "support version 0 (which is implicit when the `version` field is missing)."
        case .io(let operation, let path, let reason):
            "Failed to \(operation) '\(path)': \(reason)"
        case .inconsistentLogDirs(let stored):
            "BrokerMetadata is not consistent across log.dirs. This could happen if multiple brokers shared a log "
                + "directory (log.dirs) or partial data was manually copied from another broker. Found:\n"
                + stored.keys.sorted().map { "- \($0) -> \(stored[$0].map(Self.summary) ?? "")\n" }.joined()
        case .clusterIdMismatch(let expected, let stored):
            "The Cluster ID \(expected) doesn't match stored clusterId \(stored) in meta.properties. The broker is "
                + "trying to join the wrong cluster. Configured zookeeper.connect may be wrong."
        case .brokerIdMismatch(let configured, let stored):
            "Configured broker.id \(configured) doesn't match stored broker.id \(stored) in meta.properties. If you "
                + "moved your data, make sure your configured broker.id matches. If you intend to create a new "
                + "broker, you should remove all data in your data directories (log.dirs)."
        }
    }

    /// `{cluster.id=..., version=0, broker.id=1}`, as Java prints the `Properties` in Kafka's message.
    private static func summary(_ meta: MetaProperties) -> String {
        let clusterId = meta.clusterId.map { "cluster.id=\($0), " } ?? ""
        return "{\(clusterId)version=\(meta.version), broker.id=\(meta.brokerId)}"
    }

    init(_ failure: AtomicFile.Failure) {
        self = .io(operation: failure.operation, path: failure.path, reason: failure.reason)
    }
}
