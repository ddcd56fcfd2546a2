@testable import Broker
import Coordination
import Storage
import Testing

/// Topic configs are checked with Kafka's types and validators wherever they come from (CreateTopics, ZooKeeper);
/// a value that would break a log (a segment above 2 GiB, an index without room for one entry) never reaches one.
@Suite struct TopicConfigTests {
    @Test func kafkasValidatorsRefuseWhatCannotWork() {
        let refused: [(String, String)] = [
            ("segment.bytes", "2147483648"), ("segment.bytes", "13"), ("segment.bytes", "1e9"),
            ("segment.ms", "0"), ("segment.index.bytes", "11"), ("segment.index.bytes", "-1"),
            ("retention.ms", "-2"), ("min.insync.replicas", "0"), ("max.message.bytes", "-1"),
            ("max.message.bytes", "99999999999"), ("flush.messages", "0"), ("index.interval.bytes", "-5"),
            ("compression.type", "brotli"), ("message.timestamp.type", "Now"),
            ("unclean.leader.election.enable", "yes"), ("cleanup.policy", "compact"),
            ("cleanup.policy", "delete,compact"), ("cleanup.policy", "shred"), ("no.such.key", "1"),
        ]
        for (key, value) in refused {
            #expect(throws: ConfigError.self, "\(key)=\(value)") { try TopicConfigKeys.validate([key: value]) }
            #expect(throws: AdminError.self, "\(key)=\(value)") { try BrokerApis.validatedTopicConfigs([(key, value)]) }
        }
    }

    @Test func validOverridesApplyWithTheirTypes() throws {
        let config = try LogConfig().applying(topicOverrides: [
            "segment.bytes": " 2147483647 ", "segment.ms": "1", "segment.index.bytes": "12", "retention.ms": "-1",
            "retention.bytes": "-1", "cleanup.policy": "delete", "message.timestamp.type": "LogAppendTime",
            "max.message.bytes": "0", "unclean.leader.election.enable": "TRUE",
        ])
        #expect(config.segmentBytes == Int(Int32.max))
        #expect(config.segmentMs == 1)
        #expect(config.maxIndexSizeBytes == 12)
        #expect(config.retentionMs == -1)
        #expect(config.timestampType == .logAppendTime)
        #expect(config.maxMessageBytes == 0)
    }

    @Test func anInvalidOverrideFromZooKeeperIsThrownNotReplacedByTheDefault() {
        #expect(throws: ConfigError.self) { try LogConfig().applying(topicOverrides: ["retention.ms": "forever"]) }
    }
}

@Suite struct AdminWaitTests {
    @Test func timeoutMsIsCappedAndNeverNegative() {
        #expect(BrokerApis.adminWait(timeoutMs: 5_000) == .seconds(5))
        #expect(BrokerApis.adminWait(timeoutMs: Int32.max) == BrokerApis.maxAdminWait)
        #expect(BrokerApis.adminWait(timeoutMs: -1) == .zero)
        #expect(BrokerApis.adminWait(timeoutMs: Int32.min) == .zero)
    }
}
