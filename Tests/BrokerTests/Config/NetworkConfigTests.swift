import GregorTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// The network keys: `max.connections.per.ip.overrides` in Kafka's `host:count,host:count` format, checked at
/// startup; `connections.max.idle.ms` and the socket buffer sizes with Kafka's special values.
@Suite struct NetworkConfigTests {
    private func parse(_ properties: [String: String]) throws(ConfigError) -> BrokerConfig {
        try BrokerConfig(properties: ["zookeeper.connect": "127.0.0.1:2181"].merging(properties) { $1 }, localHostName: "h")
    }

    private func rejection(_ properties: [String: String]) -> ConfigError? {
        do {
            _ = try parse(properties)
            return nil
        } catch {
            return error
        }
    }

    @Test func overridesAreParsedWithBlanksAndIpv6() throws {
        let config = try parse(["max.connections.per.ip.overrides": " 10.0.0.1 : 5 ,host-a:0,::1:7, "])
        #expect(config.maxConnectionsPerIpOverrides == ["10.0.0.1": 5, "host-a": 0, "::1": 7])
        #expect(try parse([:]).maxConnectionsPerIpOverrides == [:])
    }

    @Test func malformedOverridesStopTheBrokerNamingTheKey() {
        for bad in ["10.0.0.1", "10.0.0.1:", ":5", "10.0.0.1:-1", "10.0.0.1:2147483648", "10.0.0.1:five"] {
            guard case .invalidValue(let key, _, _) = rejection(["max.connections.per.ip.overrides": bad]) else {
                Issue.record("'\(bad)' was accepted")
                continue
            }
            #expect(key == "max.connections.per.ip.overrides")
        }
    }

    @Test func aZeroPerAddressLimitNeedsOverrides() throws {
        guard case .invalidValue(let key, _, let reason) = rejection(["max.connections.per.ip": "0"]) else {
            Issue.record("max.connections.per.ip=0 without overrides was accepted")
            return
        }
        #expect(key == "max.connections.per.ip")
        #expect(reason.contains("max.connections.per.ip.overrides"))
        _ = try parse(["max.connections.per.ip": "0", "max.connections.per.ip.overrides": "127.0.0.1:3"])
    }

    @Test func overrideHostsResolveToTheAddressesConnectionsComeFrom() throws {
        #expect(try KafkaServer.resolve(["127.0.0.1": 2]) == ["127.0.0.1": 2])
        let localhost = try KafkaServer.resolve(["localhost": 3])
        #expect(localhost == ["127.0.0.1": 3] || localhost == ["::1": 3])
        #expect(throws: ConfigError.self) { try KafkaServer.resolve(["no-such-host.invalid": 1]) }
    }

    @Test func aNegativeIdleTimeDisablesIdleClosing() throws {
        #expect(try parse([:]).connectionsMaxIdle == .milliseconds(600_000))
        #expect(try parse(["connections.max.idle.ms": "-1"]).connectionsMaxIdle == nil)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addKafkaRequestFraming(maxIdle: nil, logger: LogCapture().logger())
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: IdleStateHandler.self) }
    }

    @Test func socketBuffersOfMinusOneKeepTheOsDefault() throws {
        #expect(try parse([:]).socketSendBufferBytes == 102_400)
        #expect(try parse([:]).socketReceiveBufferBytes == 102_400)
        let osDefault = try parse(["socket.send.buffer.bytes": "-1", "socket.receive.buffer.bytes": "-1"])
        #expect(osDefault.socketSendBufferBytes == nil)
        #expect(osDefault.socketReceiveBufferBytes == nil)
    }
}
