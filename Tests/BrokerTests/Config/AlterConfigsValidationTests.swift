import Testing

@testable import Broker

/// AlterConfigs' validation and IncrementalAlterConfigs' merging, with Kafka 2.8's error codes and messages.
@Suite struct AlterConfigsValidationTests {
    @Test func topicValuesAreRefusedWithKafkasConfigExceptionMessages() {
        func refusal(_ overrides: [String: String]) -> ConfigAlterError? {
            do {
                try TopicConfigKeys.validateLikeKafka(overrides)
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal(["retention.ms": "60000", "cleanup.policy": "delete"]) == nil)
        #expect(refusal(["delete.retention.ms": "1"]) == .invalidConfig("Unknown topic config name: delete.retention.ms"))
        #expect(refusal(["retention.ms": "abc"])
            == .configException("Invalid value abc for configuration retention.ms: Not a number of type LONG"))
        #expect(refusal(["segment.bytes": "99999999999"])
            == .configException("Invalid value 99999999999 for configuration segment.bytes: Not a number of type INT"))
        #expect(refusal(["retention.ms": "-5"])
            == .configException("Invalid value -5 for configuration retention.ms: Value must be at least -1"))
        #expect(refusal(["compression.type": "zip"])
            == .configException("Invalid value zip for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"))
        #expect(refusal(["cleanup.policy": "delete,shred"])
            == .configException("Invalid value shred for configuration cleanup.policy: String must be one of: compact, delete"))
        #expect(refusal(["unclean.leader.election.enable": "yes"])
            == .configException("Invalid value yes for configuration unclean.leader.election.enable: Expected value to be either true or false"))
        #expect(refusal(["cleanup.policy": "compact"])
            == .configException("Invalid value compact for configuration cleanup.policy: Gregor does not compact logs; only delete is supported"))
    }

    @Test func aConfigExceptionIsAnInvalidRequestNamingTheResource() {
        let answer = ConfigAlterError.configException("Invalid value abc for configuration retention.ms: Not a number of type LONG")
            .answer(resource: describeConfigResource(type: ConfigResourceType.topic, name: "orders"))
        #expect(answer.code == .invalidRequest)
        #expect(answer.message
            == "Invalid config value for resource ConfigResource(type=TOPIC, name='orders'): Invalid value abc for configuration retention.ms: Not a number of type LONG")
        #expect(ConfigAlterError.invalidConfig("Unknown topic config name: x").answer(resource: "r").code == .invalidConfig)
    }

    private func apply(_ ops: [AlterConfigOp], to current: [String: String]) throws(ConfigAlterError) -> [String: String] {
        try IncrementalConfigOps.apply(
            ops, to: current, isList: { name throws(ConfigAlterError) in try TopicConfigKeys.isList(name) },
            defaultValue: { $0 == "cleanup.policy" ? "delete" : nil })
    }

    @Test func setAndDeleteChangeOnlyTheNamedKeys() throws {
        let result = try apply(
            [.init(name: "retention.ms", op: 0, value: "5"), .init(name: "segment.bytes", op: 1, value: nil)],
            to: ["segment.bytes": "1000", "max.message.bytes": "10"])
        #expect(result == ["retention.ms": "5", "max.message.bytes": "10"])
    }

    @Test func appendAndSubtractWorkOnListsFromTheirDefault() throws {
        #expect(try apply([.init(name: "cleanup.policy", op: 2, value: "compact")], to: [:]) == ["cleanup.policy": "delete,compact"])
        #expect(try apply([.init(name: "cleanup.policy", op: 3, value: "compact")], to: ["cleanup.policy": "compact,delete"])
            == ["cleanup.policy": "delete"])
    }

    @Test func kafkasRefusalsOfIncrementalChanges() {
        #expect(throws: ConfigAlterError.invalidRequest("Config value append is not allowed for config key: retention.ms")) {
            _ = try apply([.init(name: "retention.ms", op: 2, value: "5")], to: [:])
        }
        #expect(throws: ConfigAlterError.invalidRequest("Config value subtract is not allowed for config key: compression.type")) {
            _ = try apply([.init(name: "compression.type", op: 3, value: "gzip")], to: [:])
        }
        #expect(throws: ConfigAlterError.invalidConfig("Unknown topic config name: nope")) {
            _ = try apply([.init(name: "nope", op: 2, value: "5")], to: [:])
        }
        #expect(throws: ConfigAlterError.invalidRequest("Error due to duplicate config keys : retention.ms")) {
            _ = try apply([.init(name: "retention.ms", op: 0, value: "5"), .init(name: "retention.ms", op: 1, value: nil)], to: [:])
        }
        #expect(throws: ConfigAlterError.invalidRequest("Null value not supported for : SET:retention.ms")) {
            _ = try apply([.init(name: "retention.ms", op: 0, value: nil)], to: [:])
        }
        #expect(throws: ConfigAlterError.invalidRequest("Unknown config operation 9 for config retention.ms")) {
            _ = try apply([.init(name: "retention.ms", op: 9, value: "1")], to: [:])
        }
    }
}
