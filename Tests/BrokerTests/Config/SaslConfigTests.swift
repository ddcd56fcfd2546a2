import KafkaClient
import Testing

@testable import Broker

/// SASL listener settings, checked when the configuration is read: a broker never starts with a SASL listener that
/// nobody can log in to, nor with an inter-broker login it cannot perform.
@Suite struct SaslConfigTests {
    static let plainJaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
        + "password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";"

    static let base = [
        "zookeeper.connect": "127.0.0.1:2181",
        "listeners": "PLAINTEXT://:9092,SASL_PLAINTEXT://:9093",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
    ]

    private func parse(_ properties: [String: String]) throws(ConfigError) -> BrokerConfig {
        try BrokerConfig(properties: Self.base.merging(properties) { $1 }, localHostName: "h")
    }

    private func rejection(_ properties: [String: String]) -> String? {
        do {
            _ = try parse(properties)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func listenerPrefixedMechanismsAndJaasUsers() throws {
        let config = try parse([
            "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": Self.plainJaas,
            "listener.name.sasl_plaintext.connections.max.reauth.ms": "60000",
        ])
        let sasl = try config.saslListenerConfig(listener: "SASL_PLAINTEXT")
        #expect(sasl.enabledMechanisms == ["PLAIN", "SCRAM-SHA-512"])
        #expect(sasl.plainUsers == ["admin": "admin-secret", "alice": "alice-secret"])
        #expect(sasl.maxReauthMs == 60000 && sasl.maxReceiveSize == 524_288)
        #expect(config.warnings.isEmpty, "\(config.warnings)")
        #expect(try config.interBrokerSasl() == nil)  // the inter-broker listener is PLAINTEXT
    }

    @Test func kafkasDefaultGssapiIsRefusedNamingTheKey() {
        let message = rejection([:])
        #expect(message?.contains("sasl.enabled.mechanisms") == true, "\(message ?? "accepted")")
        #expect(message?.contains("GSSAPI") == true)
    }

    @Test func plainWithoutJaasUsersIsRefused() {
        let message = rejection(["sasl.enabled.mechanisms": "PLAIN"])
        #expect(message?.contains("listener.name.sasl_plaintext.plain.sasl.jaas.config") == true, "\(message ?? "accepted")")
        let bad = rejection(["sasl.enabled.mechanisms": "PLAIN",
                             "listener.name.sasl_plaintext.plain.sasl.jaas.config": "x.Y required user_a=\"b\""])
        #expect(bad?.contains("semi-colon") == true, "\(bad ?? "accepted")")
    }

    @Test func scramNeedsNoJaasOnTheServer() throws {
        let config = try parse(["sasl.enabled.mechanisms": "SCRAM-SHA-256"])
        #expect(try config.saslListenerConfig(listener: "SASL_PLAINTEXT").plainUsers.isEmpty)
    }

    @Test func interBrokerLoginComesFromTheListenersJaas() throws {
        let properties = [
            "sasl.enabled.mechanisms": "PLAIN",
            "sasl.mechanism.inter.broker.protocol": "PLAIN",
            "inter.broker.listener.name": "SASL_PLAINTEXT",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": Self.plainJaas,
        ]
        let config = try parse(properties)
        #expect(try config.interBrokerSasl() == SaslClientConfiguration(mechanism: "PLAIN", username: "admin", password: "admin-secret"))
        var wrongMechanism = properties
        wrongMechanism["sasl.mechanism.inter.broker.protocol"] = "SCRAM-SHA-256"
        #expect(rejection(wrongMechanism)?.contains("must be included in sasl.enabled.mechanisms") == true)
        var noScramLogin = properties
        noScramLogin["sasl.enabled.mechanisms"] = "PLAIN,SCRAM-SHA-256"
        noScramLogin["sasl.mechanism.inter.broker.protocol"] = "SCRAM-SHA-256"
        #expect(rejection(noScramLogin)?.contains("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config") == true)
    }

    @Test func unknownListenerKeysAreWarnedAbout() throws {
        let config = try parse(["sasl.enabled.mechanisms": "SCRAM-SHA-256", "listener.name.sasl_plaintext.made.up": "1"])
        #expect(config.warnings == ["Unknown configuration key 'listener.name.sasl_plaintext.made.up' (ignored)"])
    }
}
