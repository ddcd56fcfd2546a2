import Coordination
import KafkaProtocol
import Testing

@testable import Broker

/// The figures the console and the lag metrics derive from one sample, and the chart points' rates.
@Suite struct ClusterSampleTests {
    static func state(_ topic: String, _ partition: Int32, leader: Int32, replicas: [Int32], isr: [Int32]) -> PartitionState {
        PartitionState(
            topic: topic, partition: partition, controllerEpoch: 1, leader: leader, leaderEpoch: 0, isr: isr, zkVersion: 0,
            replicas: replicas)
    }

    static func sample(timeMs: Int64 = 10_000) -> ClusterSample {
        let states = [
            state("orders", 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3]),
            state("orders", 1, leader: 2, replicas: [2, 3, 1], isr: [2, 1]),
            state("orders", 2, leader: 3, replicas: [3, 1, 2], isr: [3]),  // leader 3 is dead
            state("audit", 0, leader: -1, replicas: [3], isr: [3]),
        ]
        return ClusterSample(
            timeMs: timeMs, controllerId: 1,
            brokers: [.init(id: 1, rack: nil, endPoints: []), .init(id: 2, rack: nil, endPoints: [])],
            partitions: Dictionary(uniqueKeysWithValues: states.map { (TopicPartition($0.topic, $0.partition), $0) }),
            latestOffsets: [TopicPartition("orders", 0): 100, TopicPartition("orders", 1): 50],
            replicaSizes: [TopicPartition("orders", 0): [1: 4000, 2: 3900], TopicPartition("orders", 1): [1: 10]],
            committedOffsets: ["billing": [TopicPartition("orders", 0): 70, TopicPartition("orders", 1): 60,
                                           TopicPartition("orders", 2): 5]])
    }

    @Test func healthOfPartitions() {
        let sample = Self.sample()
        let states = sample.partitions(of: "orders")
        #expect(states.map(\.partition) == [0, 1, 2])
        #expect(!sample.isUnderReplicated(states[0]) && !sample.isOffline(states[0]))
        #expect(sample.isUnderReplicated(states[1]))
        #expect(sample.isOffline(states[2]) && !sample.isUnderReplicated(states[2]))
        #expect(sample.isOffline(sample.partitions(of: "audit")[0]))
        #expect(sample.topics == ["audit", "orders"])
    }

    @Test func lagIsNeverNegativeAndUnknownWithoutBothOffsets() {
        let sample = Self.sample()
        #expect(sample.lag(group: "billing", partition: TopicPartition("orders", 0)) == 30)
        #expect(sample.lag(group: "billing", partition: TopicPartition("orders", 1)) == 0)  // committed past the end
        #expect(sample.lag(group: "billing", partition: TopicPartition("orders", 2)) == nil)  // no latest offset
        #expect(sample.totalLag(group: "billing") == 30)
        #expect(sample.totalLag(group: "nobody") == 0)
    }

    @Test func logSizeIsTheLeaders() {
        let sample = Self.sample()
        #expect(sample.logSize(TopicPartition("orders", 0)) == 4000)
        #expect(sample.logSize(TopicPartition("orders", 1)) == 10)  // leader 2 unknown: the largest replica
        #expect(sample.logSize(TopicPartition("audit", 0)) == nil)
    }

    @Test func pointsCarryRatesSinceTheSampleBeforeAndLagPerTopic() throws {
        var later = Self.sample(timeMs: 15_000)
        later.latestOffsets[TopicPartition("orders", 0)] = 600
        later.replicaSizes[TopicPartition("orders", 0)] = [1: 3000]  // retention shrank it
        let first = Self.sample().point(since: nil)
        #expect(first.intervalMs == 0 && first.topicRates.isEmpty)
        let point = later.point(since: Self.sample())
        #expect(point.intervalMs == 5_000)
        #expect(point.topicRates["orders"] == .init(messages: 100, bytes: 0))  // 500 records in 5 s; no growth
        #expect(point.topicRates["audit"] == .init(messages: 0, bytes: 0))
        #expect(first.totalLag(group: "billing") == 30 && point.totalLag(group: "billing") == 530)
        #expect(point.groupTopicLag["billing"] == ["orders": 530])
    }

    @Test func offsetsAndSizesFromOtherBrokersNeverOverflowASum() {
        var sample = Self.sample()
        sample.latestOffsets[TopicPartition("orders", 0)] = .max
        sample.latestOffsets[TopicPartition("orders", 2)] = .max
        sample.replicaSizes[TopicPartition("orders", 0)] = [1: .max]
        sample.replicaSizes[TopicPartition("orders", 1)] = [1: .max]
        #expect(sample.totalLag(group: "billing") == .max)
        #expect(sample.totalLag == .max)
        #expect(sample.lag(group: "billing", topic: "orders") == .max)
        #expect(sample.logSize(topic: "orders") == .max)
        var earlier = Self.sample(timeMs: 0)
        earlier.latestOffsets[TopicPartition("orders", 0)] = .min
        earlier.replicaSizes[TopicPartition("orders", 0)] = [1: .min]
        #expect(sample.point(since: earlier).topicRates["orders"] != nil)
        #expect(sample.point(since: earlier).totalLag(group: "billing") == .max)
    }
}
