import Coordination
import Logging
import Storage
import ZooKeeper

/// Follows one ACL change path (`/kafka-acl-changes` or `/kafka-acl-extended-changes`; Kafka's
/// `ZkNodeChangeNotificationListener` as `AclAuthorizer.startZkChangeListeners` sets it up): each notification
/// newer than the last handled makes the authorizer re-read that pattern's znode, and notifications older than
/// 15 minutes are purged, as every Kafka broker does. Survives session expiry like `DynamicConfigManager`.
struct AclChangeListener: Sendable {
    /// `ZkNodeChangeNotificationListener.changeExpirationMs`.
    static let changeExpirationMs: Int64 = 15 * 60 * 1000

    let changePath: String
    let authorizer: ZkAclAuthorizer
    let logger: Logger

    func run() async {
        var lastHandled: Int64 = -1
        while !Task.isCancelled {
            let zk = authorizer.session()
            do {
                for try await _ in zk.zooKeeper.watchChildren(changePath) {
                    lastHandled = await handleNew(after: lastHandled, zk: zk)
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("ACL change watch on \(changePath) ended (\(error)); watching again on the current session")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Handles the notifications after `lastHandled`; returns the last one handled.
    func handleNew(after lastHandled: Int64, zk: KafkaZkClient, nowMs: Int64 = Log.nowMs()) async -> Int64 {
        var last = lastHandled
        let names: [(name: String, sequence: Int64)]
        do {
            names = try await zk.aclChangeNotificationNames(changePath)
        } catch {
            logger.warning("Listing ACL change notifications under \(changePath) failed: \(error)")
            return last
        }
        for (name, sequence) in names {
            do {
                guard let (pattern, ctimeMs) = try await zk.aclChangeNotification(changePath, name) else { continue }
                if ctimeMs < nowMs - Self.changeExpirationMs {
                    try await zk.deleteAclChangeNotification(changePath, name)
                }
                if sequence > last {
                    last = sequence
                    let resource = try pattern.get()
                    try await authorizer.refresh(resource, zk: zk)
                    logger.info("Processing Acl change notification for \(resource.resourceType.name):\(resource.patternType.enumName):\(resource.name)")
                }
            } catch let error as ZooKeeperError {
                logger.warning("Reading ACL change notification \(name) failed (\(error)); trying again at the next change")
                return min(last, sequence - 1)
            } catch {
                logger.error("Skipping ACL change notification \(changePath)/\(name): \(error)")
            }
        }
        return last
    }
}
