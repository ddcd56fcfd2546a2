import Coordination
import Logging
import Storage
import ZooKeeper

/// Applies config changes announced under `/config/changes` to the running broker (Kafka's `DynamicConfigManager`
/// with its `ZkNodeChangeNotificationListener`): watches the notifications, handles each one newer than the last it
/// handled by re-reading the entity's overrides, and purges notifications older than `changeExpirationMs`, as every
/// Kafka broker does. Topic changes reach every log of the topic (`ReplicaManager.applyTopicConfig`); broker changes
/// (`brokers/<id>`, `brokers/<default>`) go to `brokerConfigChanged`; user changes (`users/<sanitized user>`)
/// reload the user's SCRAM credentials into `credentials` (Kafka's `UserConfigHandler`; quotas are not enforced
/// yet); other entity types are logged and skipped until Gregor has dynamic configs for them.
///
/// Survives session expiry: the watch ends with the session and is set up again on the current one; notifications
/// are handled by sequence number, so none is handled twice and none written meanwhile is missed.
struct DynamicConfigManager: Sendable {
    /// Kafka's `ZkNodeChangeNotificationListener.changeExpirationMs`: 15 minutes.
    static let changeExpirationMs: Int64 = 15 * 60 * 1000

    let session: @Sendable () -> KafkaZkClient
    let topicConfig: @Sendable (String) async throws -> [String: String]
    let applyTopicConfig: @Sendable (_ topic: String, _ overrides: [String: String]) -> Int
    let logger: Logger
    /// A broker entity's dynamic configs changed: `<default>` or a broker id (Kafka's `BrokerConfigHandler`).
    var brokerConfigChanged: @Sendable (_ entityName: String) async throws -> Void = { _ in }
    /// Every user's SCRAM credentials, loaded whole when the watch starts and then per announced user.
    var credentials: CredentialCache? = nil

    /// Handles notifications until cancelled: all those present at startup first (configs set while the broker
    /// was down are already read when its logs are created, so this only re-applies them).
    func run() async {
        var lastHandled: Int64 = -1
        while !Task.isCancelled {
            let zk = session()
            do {
                try await loadAllUsers(zk: zk)
                for try await _ in zk.zooKeeper.watchChildren(ZkPaths.configChanges) {
                    lastHandled = await handleNew(after: lastHandled, zk: zk)
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("Config change watch ended (\(error)); watching again on the current session")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Handles the notifications after `lastHandled`; returns the last one handled.
    func handleNew(after lastHandled: Int64, zk: KafkaZkClient, nowMs: () -> Int64 = Log.nowMs) async -> Int64 {
        var last = lastHandled
        let names: [(name: String, sequence: Int64)]
        do {
            names = try await zk.configChangeNotificationNames()
        } catch {
            logger.warning("Listing config change notifications failed: \(error)")
            return last
        }
        let purgeBeforeMs = nowMs() - Self.changeExpirationMs
        for (name, sequence) in names {
            do {
                guard let (notification, ctimeMs) = try await zk.configChangeNotification(name) else { continue }
                if ctimeMs < purgeBeforeMs {
                    try await zk.deleteConfigChangeNotification(name)
                }
                if sequence > last {
                    last = sequence
                    try await handle(try notification.get(), name: name, zk: zk)
                }
            } catch let error as ZooKeeperError {
                logger.warning("Reading config change notification \(name) failed (\(error)); trying again at the next change")
                return min(last, sequence - 1)
            } catch {
                logger.error("Skipping config change notification \(name): \(error)")
            }
        }
        return last
    }

    private func handle(_ notification: ConfigChangeNotification, name: String, zk: KafkaZkClient) async throws {
        switch notification.entityType {
        case "topics":
            let overrides = try await topicConfig(notification.entityName)
            let logs = applyTopicConfig(notification.entityName, overrides)
            logger.info(
                "Processing override for entityPath: topics/\(notification.entityName) with config: {\(overrides.keys.sorted().map { "\($0)=\(overrides[$0]!)" }.joined(separator: ", "))} (\(logs) log(s) on this broker)")
        case "brokers":
            try await brokerConfigChanged(notification.entityName)
        case "users" where credentials != nil:
            try await loadUser(sanitized: notification.entityName, zk: zk)
        default:
            logger.info("Config change \(name) for \(notification.entityType)/\(notification.entityName): Gregor has no dynamic configs of that type yet; ignored")
        }
    }

    /// Kafka's `DynamicConfigManager.startup` for `users`: every user's config, before any notification. A user
    /// node that cannot be read as a config is logged and skipped, so it cannot keep every other change from
    /// being watched; ZooKeeper failures end the load (the caller tries again on the current session).
    func loadAllUsers(zk: KafkaZkClient) async throws {
        guard credentials != nil else { return }
        for sanitized in try await zk.sanitizedUsersWithConfig() {
            do {
                try await loadUser(sanitized: sanitized, zk: zk)
            } catch let error as ZooKeeperError {
                throw error
            } catch {
                logger.error("Skipping the config of users/\(sanitized): \(error)")
            }
        }
    }

    /// `users/<user>` entities carry credentials; `users/<user>/clients/<client>` (quotas only) do not.
    private func loadUser(sanitized: String, zk: KafkaZkClient) async throws {
        guard let credentials, !sanitized.contains("/") else { return }
        let user = Sanitizer.desanitize(sanitized) ?? sanitized
        let config = try await zk.userConfig(sanitizedUser: sanitized)
        for mechanism in credentials.update(user: user, config: config) {
            logger.error("Ignoring the \(mechanism.mechanismName) credential of user \(user): it is not valid")
        }
    }
}
