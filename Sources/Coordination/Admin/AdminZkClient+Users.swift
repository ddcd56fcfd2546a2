import ZooKeeper

/// User configs (Kafka's `AdminZkClient.changeConfigs(ConfigType.User, ...)` and `fetchAllEntityConfigs`): SCRAM
/// credentials are entries of the user's dynamic config keyed by mechanism name.
extension AdminZkClient {
    /// Path and data of a user's config node, well below ZooKeeper's default `jute.maxbuffer` (1 MB).
    static let maxUserZNodeBytes = 900_000

    /// Replaces the user's dynamic configs in `/config/users/<sanitized>` and announces `users/<sanitized>` so every
    /// broker reloads them. Values are written as given; callers validate them.
    /// A config too large for a znode (a huge salt or user name from a client) is refused with
    /// UNACCEPTABLE_CREDENTIAL before ZooKeeper sees it: ZooKeeper drops the connection of a request above
    /// `jute.maxbuffer` instead of refusing it.
    public func changeUserConfig(user: String, configs: [String: String]) async throws {
        let sanitized = Sanitizer.sanitize(user)
        let path = ZkPaths.userConfig(sanitizedUser: sanitized)
        let bytes = path.utf8.count + ConfigEntityZNode.encode(configs).count
        guard bytes <= Self.maxUserZNodeBytes else {
            throw AdminError(
                code: .unacceptableCredential,
                message: "The configs of user \(user.prefix(100)) take \(bytes) bytes, more than a ZooKeeper znode takes (\(Self.maxUserZNodeBytes)).")
        }
        try await setOrCreateConfig(path: path, configs: configs)
        try await zk.createConfigChangeNotification(.user(sanitized: sanitized))
        logger.info("Changed the dynamic config of users/\(sanitized) (keys \(configs.keys.sorted().joined(separator: ",")))")
    }

    /// The user's dynamic configs; empty for a user without any.
    public func userConfig(user: String) async throws -> [String: String] {
        try await zk.userConfig(sanitizedUser: Sanitizer.sanitize(user))
    }

    /// Every user with a config node, by desanitized name (Kafka's `fetchAllEntityConfigs("users")`; names that do
    /// not desanitize are kept as they are in ZooKeeper).
    public func allUserConfigs() async throws -> [String: [String: String]] {
        var configs: [String: [String: String]] = [:]
        for sanitized in try await zk.sanitizedUsersWithConfig() {
            configs[Sanitizer.desanitize(sanitized) ?? sanitized] = try await zk.userConfig(sanitizedUser: sanitized)
        }
        return configs
    }
}
