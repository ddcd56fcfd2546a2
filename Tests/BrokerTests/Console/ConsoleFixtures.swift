import Coordination
import KafkaProtocol

@testable import Broker

/// Samples for the console's renderers: brokers 1 and 2 alive, 3 dead.
enum ConsoleFixtures {
    static func state(_ topic: String, _ partition: Int32, leader: Int32, isr: [Int32], replicas: [Int32] = [1, 2, 3]) -> PartitionState {
        PartitionState(
            topic: topic, partition: partition, controllerEpoch: 1, leader: leader, leaderEpoch: 4, isr: isr, zkVersion: 0,
            replicas: replicas, isNew: false)
    }

    /// "orders": partition 0 healthy, 1 under-replicated (3 out of the ISR), 2 offline (led by dead 3).
    static func sample(timeMs: Int64 = 1_000_000, offsets: Int64 = 100, committed: Int64 = 40) -> ClusterSample {
        let states = [
            state("orders", 0, leader: 1, isr: [1, 2], replicas: [1, 2]),
            state("orders", 1, leader: 2, isr: [2, 1], replicas: [2, 1, 3]),
            state("orders", 2, leader: 3, isr: [3], replicas: [3, 1]),
        ]
        let brokers = [1, 2].map { ClusterSample.Broker(id: Int32($0), rack: nil, endPoints: ["PLAINTEXT://127.0.0.1:909\($0)"]) }
        return ClusterSample(
            timeMs: timeMs, controllerId: 1, brokers: brokers,
            partitions: Dictionary(uniqueKeysWithValues: states.map { (TopicPartition($0.topic, $0.partition), $0) }),
            latestOffsets: [TopicPartition("orders", 0): offsets, TopicPartition("orders", 1): offsets],
            replicaSizes: [TopicPartition("orders", 0): [1: offsets * 10, 2: offsets * 10]],
            committedOffsets: ["billing": [TopicPartition("orders", 0): committed, TopicPartition("orders", 1): committed]])
    }
}
