import NIOCore
import NIOPosix

extension KafkaServer {
    /// What `SocketServer` reads from `server.properties`. Host names in `max.connections.per.ip.overrides` are
    /// resolved once, here (as Kafka's `ConnectionQuotas` resolves them with `InetAddress.getByName`), on the I/O
    /// threads because resolving blocks; a name that does not resolve stops the broker with the key named.
    /// - Parameter current: the configuration in force (dynamic broker configs included).
    func socketServerConfiguration(ioThreads: NIOThreadPool, current: BrokerConfig) async throws -> SocketServer.Configuration {
        let overrides = current.maxConnectionsPerIpOverrides
        let resolved = try await ioThreads.runIfActive { try Self.resolve(overrides) }
        var configuration = SocketServer.Configuration()
        configuration.sendBufferBytes = config.socketSendBufferBytes
        configuration.receiveBufferBytes = config.socketReceiveBufferBytes
        configuration.quotas = ConnectionQuotas(ConnectionQuotas.Configuration(
            maxConnections: Int(current.int("max.connections")),
            maxConnectionsPerIp: Int(current.int("max.connections.per.ip")),
            maxConnectionsPerIpOverrides: resolved,
            unlimitedListenerName: config.interBrokerListenerName))
        return configuration
    }

    /// Each host (an address literal or a name) as the address `SocketAddress.ipAddress` shows for its connections.
    static func resolve(_ overrides: [String: Int]) throws -> [String: Int] {
        var resolved: [String: Int] = [:]
        for (host, count) in overrides {
            let address: String?
            do {
                address = try SocketAddress.makeAddressResolvingHost(host, port: 0).ipAddress
            } catch {
                throw ConfigError.invalidValue(
                    key: "max.connections.per.ip.overrides", value: host, reason: "cannot resolve \(host): \(error)")
            }
            guard let address else {
                throw ConfigError.invalidValue(key: "max.connections.per.ip.overrides", value: host, reason: "not an IP host")
            }
            resolved[address] = count
        }
        return resolved
    }
}
