import Foundation
import GregorTestSupport
import KafkaProtocol
import Logging
import NIOCore
import Storage

@testable import Broker

/// A replica manager over real logs in a private temp dir, for broker id 1.
struct ReplicaManagerFixture {
    let directory: URL
    let logManager: LogManager
    let metadataCache = MetadataCache()
    let replicaManager: ReplicaManager

    static func make() async throws -> ReplicaManagerFixture {
        let directory = try TemporaryDirectory.make(prefix: "replica-manager")
        let logger = Logger(label: "test")
        let logManager = try await LogManager.load(
            LogManager.Configuration(logDirs: [directory.path], defaultConfig: LogConfig()), logger: logger)
        let cache = MetadataCache()
        let replicaManager = ReplicaManager(
            configuration: .init(brokerId: 1), logManager: logManager, metadataCache: cache, defaultLogConfig: LogConfig(),
            topicConfig: { _ in [:] }, logger: logger)
        return ReplicaManagerFixture(directory: directory, logManager: logManager, replicaManager: replicaManager, cache: cache)
    }

    private init(directory: URL, logManager: LogManager, replicaManager: ReplicaManager, cache: MetadataCache) {
        self.directory = directory
        self.logManager = logManager
        self.replicaManager = replicaManager
        _ = cache
    }

    /// Makes broker 1 leader (alone in the ISR) of `topicPartition`.
    func lead(_ topicPartition: TopicPartition, leaderEpoch: Int32 = 0, controllerEpoch: Int32 = 1) async throws {
        let state = PartitionLeaderState(
            controllerEpoch: controllerEpoch, leader: 1, leaderEpoch: leaderEpoch, isr: [1], zkVersion: 0, replicas: [1], isNew: true)
        let result = await replicaManager.becomeLeaderOrFollower(controllerId: 1, controllerEpoch: controllerEpoch, states: [topicPartition: state])
        guard case .success(let codes) = result, codes[topicPartition] == .noError else {
            throw FixtureError.systemCall("becomeLeaderOrFollower \(result)", errno: 0)
        }
    }

    static func batch(_ values: [String], timestamp: Int64 = 1_700_000_000_000) -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: timestamp)
        for value in values { builder.append(key: nil, value: Array(value.utf8)) }
        return ByteBuffer(bytes: builder.build())
    }

    func cleanUp() {
        try? logManager.shutdown()
        TemporaryDirectory.remove(directory)
    }
}
