import KafkaProtocol
import Testing

@testable import Broker

/// Kafka's replication throttles, one decision per line: the sampled rate, the throttled replica lists and the
/// rule that only replicas outside the ISR wait.
@Suite struct ReplicationQuotaTests {
    /// 11 samples of 1 s, as `replication.quota.window.num` and `replication.quota.window.size.seconds` default.
    static func quota(_ bytesPerSecond: Int64) -> ReplicationQuota { ReplicationQuota(bytesPerSecond: bytesPerSecond) }

    @Test func theRateDividesByAtLeastTenWindowsAsKafkasRate() {
        var quota = Self.quota(1000)
        quota.record(5000, nowMs: 0)
        #expect(quota.rate(nowMs: 0) == 500)  // 5000 bytes over 10 s
        #expect(quota.rate(nowMs: 500) == 5000.0 * 1000 / 10_500)  // the part of a window elapsed adds to the 10 s
        quota.record(5000, nowMs: 0)
        #expect(quota.rate(nowMs: 0) == 1000)
        #expect(!quota.isExceeded(nowMs: 0))  // an upper bound: equal is acceptable
        quota.record(1, nowMs: 0)
        #expect(quota.isExceeded(nowMs: 0))
        #expect(!quota.isExceeded(nowMs: 100))
    }

    @Test func hugeWindowSettingsSaturateInsteadOfTrapping() {
        // replication.quota.window.num and .size.seconds at their largest: samples x window passes Int64.
        var quota = ReplicationQuota(bytesPerSecond: 1000, samples: Int(Int32.max), windowMs: Int64(Int32.max) * 1000)
        quota.record(5000, nowMs: 0)
        #expect(quota.rate(nowMs: 1) > 0)
        #expect(!quota.isExceeded(nowMs: 1))
    }

    @Test func theRateFallsAsTimePassesAndOldSamplesExpire() {
        var quota = Self.quota(1000)
        quota.record(20_000, nowMs: 0)
        #expect(quota.isExceeded(nowMs: 0))
        #expect(quota.rate(nowMs: 5_000) == 2000)
        #expect(quota.rate(nowMs: 10_500) == 20_000.0 * 1000 / 10_500)
        #expect(quota.isExceeded(nowMs: 10_999))
        #expect(quota.rate(nowMs: 11_000) == 0)
        #expect(!quota.isExceeded(nowMs: 11_000))
    }

    @Test func eachWindowStartsAtItsFirstRecordAndAtMostElevenAreKept() {
        var quota = Self.quota(1000)
        for second in 0..<20 { quota.record(100, nowMs: Int64(second) * 1000) }
        // Samples at 9..19 s live at 19.5 s: 1100 bytes over 10.5 s.
        #expect(quota.rate(nowMs: 19_500) == 1100.0 * 1000 / 10_500)
    }

    @Test func unthrottledIsNeverExceededAndZeroIsExceededByAnyByte() {
        var unthrottled = Self.quota(ReplicationQuota.unthrottled)
        unthrottled.record(Int.max / 2, nowMs: 0)
        #expect(!unthrottled.isExceeded(nowMs: 0))
        var zero = Self.quota(0)
        #expect(!zero.isExceeded(nowMs: 0))
        zero.record(1, nowMs: 0)
        #expect(zero.isExceeded(nowMs: 0))
    }

    @Test func throttledReplicaListsAreReadForOneBroker() {
        #expect(ThrottledReplicaList.partitions("", brokerId: 1) == nil)
        #expect(ThrottledReplicaList.partitions("*", brokerId: 1) == .all)
        #expect(ThrottledReplicaList.partitions(" * ", brokerId: 1) == .all)
        #expect(ThrottledReplicaList.partitions("0:1,1:2,2:1", brokerId: 1) == .some([0, 2]))
        #expect(ThrottledReplicaList.partitions("0:1, 1:2", brokerId: 2) == .some([1]))
        #expect(ThrottledReplicaList.partitions("0:1", brokerId: 3) == .some([]))
        #expect(ThrottledReplicaList.partitions("0:1,x", brokerId: 1) == nil)
    }

    @Test func throttledReplicaListsAreValidatedAsKafkaValidatesThem() {
        #expect(ThrottledReplicaList.isValid([]))
        #expect(ThrottledReplicaList.isValid(["*"]))
        #expect(ThrottledReplicaList.isValid(["0:1", "10:22"]))
        #expect(ThrottledReplicaList.isValid(["0:1", ""]))
        #expect(!ThrottledReplicaList.isValid(["0:1", "*"]))
        #expect(!ThrottledReplicaList.isValid(["0"]))
        #expect(!ThrottledReplicaList.isValid(["0:1:2"]))
        #expect(!ThrottledReplicaList.isValid(["-1:1"]))
        #expect(!ThrottledReplicaList.isValid(["a:1"]))
    }

    @Test func anInvalidListIsRefusedWithKafkasMessage() {
        #expect(throws: ConfigAlterError.configException(
            "Invalid value [0:1, x] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
        ) {
            try TopicConfigKeys.validateLikeKafka(["leader.replication.throttled.replicas": "0:1, x"])
        }
        #expect(throws: Never.self) {
            try TopicConfigKeys.validateLikeKafka(["follower.replication.throttled.replicas": "0:1,1:2", "leader.replication.throttled.replicas": "*"])
        }
    }

    @Test func theRatesAreDynamicBrokerConfigsOfAtLeastZero() {
        #expect(throws: Never.self) { try DynamicBrokerConfigKeys.validate(["leader.replication.throttled.rate": "1000"]) }
        #expect(throws: ConfigAlterError.configException(
            "Invalid value -1 for configuration follower.replication.throttled.rate: Value must be at least 0")
        ) {
            try DynamicBrokerConfigKeys.validate(["follower.replication.throttled.rate": "-1"])
        }
    }

    @Test func onlyCatchingUpReplicasOfThrottledPartitionsWaitWhileTheQuotaIsExceeded() {
        let manager = ReplicationQuotaManager(direction: .leader)
        let tp = TopicPartition("t", 0)
        manager.updateQuota(bytesPerSecond: 100)
        manager.record(10_000, nowMs: 0)
        #expect(!manager.shouldThrottle(tp, replicaInSync: false, nowMs: 0))  // not throttled yet
        manager.updateThrottledReplicas(topic: "t", overrides: ["leader.replication.throttled.replicas": "0:1"], brokerId: 1)
        #expect(manager.shouldThrottle(tp, replicaInSync: false, nowMs: 0))
        #expect(!manager.shouldThrottle(tp, replicaInSync: true, nowMs: 0))
        #expect(!manager.shouldThrottle(TopicPartition("t", 1), replicaInSync: false, nowMs: 0))
        #expect(!manager.shouldThrottle(tp, replicaInSync: false, nowMs: 100_000))  // the bytes have aged out
        // The follower list is not the leader's.
        manager.updateThrottledReplicas(topic: "t", overrides: ["follower.replication.throttled.replicas": "*"], brokerId: 1)
        #expect(!manager.isThrottled(tp))
        manager.updateQuota(bytesPerSecond: ReplicationQuota.unthrottled)
        manager.updateThrottledReplicas(topic: "t", overrides: ["leader.replication.throttled.replicas": "*"], brokerId: 1)
        #expect(!manager.shouldThrottle(tp, replicaInSync: false, nowMs: 0))
    }
}
