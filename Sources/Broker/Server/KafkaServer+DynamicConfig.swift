import Coordination
import Logging
import NIOPosix

extension KafkaServer {
    /// `server.properties` with `/config/brokers/<default>` and `/config/brokers/<id>` over it, read before the
    /// logs are loaded so that they start on the dynamic defaults (Kafka's `DynamicBrokerConfig.initialize`).
    func loadDynamicConfig(zk: KafkaZkClient, brokerId: Int32) async throws -> DynamicBrokerConfig {
        let dynamic = DynamicBrokerConfig(staticConfig: config)
        dynamic.setBrokerId(brokerId)
        for perBroker in [false, true] {
            let persisted = try await zk.brokerConfig(perBroker ? brokerId : nil)
            guard !persisted.isEmpty else { continue }
            if dynamic.update(perBroker: perBroker, persisted: persisted, logger: logger) != nil {
                logger.info("Applied the dynamic \(perBroker ? "broker" : "cluster default") configs \(Self.describe(persisted))")
            }
        }
        return dynamic
    }

    /// Kafka's `BrokerConfigHandler`: a change of the cluster-wide defaults or of this broker's own configs is read
    /// from ZooKeeper and applied to the running logs and connection limits; other brokers' changes are ignored.
    static func brokerConfigChangeHandler(
        _ dynamic: DynamicBrokerConfig, brokerId: Int32, session: CurrentZkSession, replicas: ReplicaManager,
        quotas: ConnectionQuotas, ioThreads: NIOThreadPool, logger: Logger
    ) -> @Sendable (String) async throws -> Void {
        return { entity in
            let perBroker: Bool
            if entity == ZkPaths.brokerConfigEntity(nil) {
                perBroker = false
            } else if Int32(entity.trimmingJavaWhitespace()) == brokerId {
                perBroker = true
            } else {
                return
            }
            let persisted = try await session.zk.brokerConfig(perBroker ? brokerId : nil)
            guard let config = dynamic.update(perBroker: perBroker, persisted: persisted, logger: logger) else { return }
            if perBroker { replicas.updateReplicationThrottleRates(perBrokerConfigs: dynamic.perBrokerConfigs) }
            let logs = await replicas.reconfigureDefaults(BrokerLogDefaults(
                logConfig: config.logConfig, minInsyncReplicas: Int(config.int("min.insync.replicas"))))
            do {
                let overrides = try await ioThreads.runIfActive { try resolve(config.maxConnectionsPerIpOverrides) }
                quotas.reconfigure(
                    maxConnections: Int(config.int("max.connections")),
                    maxConnectionsPerIp: Int(config.int("max.connections.per.ip")),
                    maxConnectionsPerIpOverrides: overrides)
            } catch {
                logger.error("Not applying the new connection limits: \(error)")
            }
            logger.info(
                "Processing override for entityPath: brokers/\(entity) with config: \(describe(persisted)) (\(logs) log(s) reconfigured)")
        }
    }

    static func describe(_ configs: [String: String]) -> String {
        "{" + configs.keys.sorted().map { "\($0)=\(configs[$0]!)" }.joined(separator: ", ") + "}"
    }
}
