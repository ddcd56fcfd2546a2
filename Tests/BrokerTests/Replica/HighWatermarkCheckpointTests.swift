import Coordination
import Foundation
import GregorTestSupport
import KafkaProtocol
import Logging
import Storage
import Testing

@testable import Broker

/// `replication-offset-checkpoint` never loses the entry of a log on disk that no LeaderAndIsr has named yet.
@Suite struct HighWatermarkCheckpointTests {
    static let logger = Logger(label: "test")

    /// A broker restarted over logs `a-0` and `b-0` with checkpointed high watermarks 5 and 7.
    static func restarted(in directory: URL) async throws -> (LogManager, ReplicaManager) {
        let logs = try await LogManager.load(
            LogManager.Configuration(logDirs: [directory.path], defaultConfig: LogConfig()), logger: logger)
        let replicas = ReplicaManager(
            configuration: .init(brokerId: 1), logManager: logs, metadataCache: MetadataCache(),
            defaultLogConfig: LogConfig(), topicConfig: { _ in [:] }, logger: logger)
        return (logs, replicas)
    }

    @Test func aBrokerStoppedBeforeItsFirstLeaderAndIsrKeepsEveryEntry() async throws {
        let directory = try TemporaryDirectory.make(prefix: "hw-checkpoint")
        defer { TemporaryDirectory.remove(directory) }
        let file = OffsetCheckpointFile(logDir: directory.path, fileName: OffsetCheckpointFile.replicationOffsetFileName)
        do {
            let (logs, _) = try await Self.restarted(in: directory)
            for (topic, count) in [("a", 6), ("b", 9)] {
                let log = try logs.getOrCreateLog(TopicPartition(topic: topic, partition: 0))
                for _ in 0..<count {
                    var records = ReplicaManagerFixture.batch(["x"])
                    _ = try log.appendAsLeader(&records, leaderEpoch: 0)
                }
            }
            try logs.shutdown()
            try file.write([TopicPartition("a", 0): 5, TopicPartition("b", 0): 7])
        }
        // Restarted, then stopped before any LeaderAndIsr: the last checkpoint still has both.
        let (logs, replicas) = try await Self.restarted(in: directory)
        await replicas.shutdown()
        try logs.shutdown()
        #expect(try file.read() == [TopicPartition("a", 0): 5, TopicPartition("b", 0): 7])

        // Restarted, told only about a-0 (which moves on): b-0 keeps its entry.
        let (logs2, replicas2) = try await Self.restarted(in: directory)
        let state = PartitionState(
            topic: "a", partition: 0, controllerEpoch: 1, leader: 1, leaderEpoch: 1, isr: [1], zkVersion: 0, replicas: [1])
        _ = await replicas2.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: 1, states: [TopicPartition("a", 0): state])
        replicas2.checkpointHighWatermarks()
        #expect(try file.read() == [TopicPartition("a", 0): 6, TopicPartition("b", 0): 7])

        // A replica stopped without deletion keeps its last high watermark; a deleted one is gone.
        _ = replicas2.stopReplicas(controllerId: 1, controllerEpoch: 1, partitions: [TopicPartition("a", 0)], delete: false)
        replicas2.checkpointHighWatermarks()
        #expect(try file.read() == [TopicPartition("a", 0): 6, TopicPartition("b", 0): 7])
        _ = replicas2.stopReplicas(controllerId: 1, controllerEpoch: 1, partitions: [TopicPartition("b", 0)], delete: true)
        replicas2.checkpointHighWatermarks()
        #expect(try file.read() == [TopicPartition("a", 0): 6])
        await replicas2.shutdown()
        try logs2.shutdown()
    }
}
