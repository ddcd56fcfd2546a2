import Coordination
import Foundation
import GregorTestSupport
import KafkaProtocol
import Logging
import Synchronization
import Testing
import ZooKeeper

@testable import Broker

/// The coordinator driver against a real ZooKeeper: offsets land at Kafka's paths, and a coordinator whose group
/// another broker claimed can no longer write.
@Suite struct GroupCoordinatorTests {
    static let server = Task { try await ZooKeeperServer.start() }

    /// A session in a fresh chroot with Kafka's persistent paths.
    static func session() async throws -> KafkaZkClient {
        let server = try await server.value
        let config = ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + "/groups-\(UUID().uuidString.prefix(8))"),
            sessionTimeout: .seconds(6), connectionTimeout: .seconds(10))
        let zk = try await ClusterMembership.connect(config, logger: Logger(label: "test"))
        try await zk.ensurePersistentPaths()
        return zk
    }

    /// A coordinator for `brokerId` whose metadata says only `alive` brokers live, with topic t (2 partitions).
    static func coordinator(
        _ brokerId: Int32, alive: [Int32], zk: KafkaZkClient, sessionId: @escaping @Sendable () -> Int64 = { 1 }
    ) -> GroupCoordinator {
        let cache = MetadataCache()
        cache.update(
            controllerId: alive[0],
            brokers: alive.map { MetadataCache.Node(id: $0, rack: nil, endpoints: ["PLAINTEXT": .init(host: "127.0.0.1", port: 9092)]) },
            partitions: (0..<2).map { partition in
                PartitionState(
                    topic: "t", partition: partition, controllerEpoch: 1, leader: alive[0], leaderEpoch: 0, isr: alive,
                    zkVersion: 0, replicas: alive)
            })
        return GroupCoordinator(
            configuration: .init(brokerId: brokerId, group: GroupConfig(initialRebalanceDelayMs: 0)),
            store: GroupOffsetStore(session: { zk }, logger: Logger(label: "test")), metadataCache: cache,
            logger: Logger(label: "test"), sessionId: sessionId,
            groupExists: { group in try await zk.hasCommittedOffsets(group: group) })
    }

    static func commit(_ offset: Int64, partition: Int32 = 0) -> GroupMetadata.CommitParameters {
        .init(memberId: "", generationId: -1,
              offsets: [TopicPartition("t", partition): OffsetAndMetadata(offset: offset, metadata: "m", commitTimestampMs: 1)])
    }

    static func text(_ zk: KafkaZkClient, _ path: String) async throws -> String {
        String(decoding: try await zk.zooKeeper.getData(path).data, as: UTF8.self)
    }

    @Test func aStandaloneCommitIsStoredAtKafkasPathAndFetchedBack() async throws {
        let zk = try await Self.session()
        let coordinator = Self.coordinator(0, alive: [0], zk: zk)
        let errors = await coordinator.commitOffsets("billing", Self.commit(42))
        #expect(errors == [TopicPartition("t", 0): .noError])
        #expect(try await Self.text(zk, "/consumers/billing/offsets/t/0") == "42")
        let fetched = try await coordinator.fetchOffsets("billing", partitions: nil, requireStable: false).get()
        #expect(fetched[TopicPartition("t", 0)]?.0.offset == 42)
        #expect(fetched[TopicPartition("t", 0)]?.0.metadata == "m")
        let unknownTopic = await coordinator.commitOffsets(
            "billing", .init(memberId: "", generationId: -1, offsets: [TopicPartition("nope", 0): .init(offset: 1, commitTimestampMs: 1)]))
        #expect(unknownTopic == [TopicPartition("nope", 0): .unknownTopicOrPartition])
    }

    @Test func aCoordinatorWhoseGroupWasClaimedElsewhereCannotWrite() async throws {
        let zk = try await Self.session()
        // Two brokers that each believe they coordinate the group (stale metadata on one of them).
        let stale = Self.coordinator(0, alive: [0], zk: zk)
        let current = Self.coordinator(1, alive: [1], zk: zk)
        #expect(await stale.commitOffsets("g", Self.commit(10)) == [TopicPartition("t", 0): .noError])
        #expect(await current.commitOffsets("g", Self.commit(20)) == [TopicPartition("t", 0): .noError])
        #expect(await stale.commitOffsets("g", Self.commit(5)) == [TopicPartition("t", 0): .notCoordinator])
        #expect(try await Self.text(zk, "/consumers/g/offsets/t/0") == "20")
        // The stale coordinator unloaded the group; loading it again reads what the other one wrote.
        let reloaded = try await stale.fetchOffsets("g", partitions: nil, requireStable: false).get()
        #expect(reloaded[TopicPartition("t", 0)]?.0.offset == 20)
    }

    @Test func otherBrokersGroupsAreRefusedWithNotCoordinator() async throws {
        let zk = try await Self.session()
        let coordinator = Self.coordinator(0, alive: [0, 1, 2], zk: zk)
        let foreign = try #require((0..<100).map { "group-\($0)" }.first { coordinator.coordinatorId(for: $0) != 0 })
        #expect(await coordinator.heartbeat(foreign, memberId: "m", groupInstanceId: nil, generationId: 1) == .notCoordinator)
        #expect(await coordinator.joinGroup("", GroupMetadataTests.request(newId: "x")).error == .invalidGroupId)
        #expect(await coordinator.joinGroup("a/b", GroupMetadataTests.request(newId: "x")).error == .invalidGroupId)
    }

    @Test func aMemberJoinsSyncsAndIsDescribed() async throws {
        let zk = try await Self.session()
        let coordinator = Self.coordinator(0, alive: [0], zk: zk)
        let joined = await coordinator.joinGroup("g", GroupMetadataTests.request(newId: "m-1"))
        #expect(joined.error == .noError)
        #expect(joined.leaderId == "m-1")
        let synced = await coordinator.syncGroup(
            "g", .init(memberId: "m-1", generationId: joined.generationId, assignments: ["m-1": [7]]))
        #expect(synced.assignment == [7])
        let (error, description) = await coordinator.describeGroup("g")
        #expect(error == .noError)
        #expect(description.state == .stable)
        #expect(description.members.map(\.assignment) == [[7]])
        #expect(await coordinator.deleteGroup("g") == .nonEmptyGroup)
        let (_, left) = await coordinator.leaveGroup("g", members: [.init(memberId: "m-1")])
        #expect(left == [.noError])
        #expect(await coordinator.deleteGroup("g") == .noError)
        #expect(await coordinator.deleteGroup("g") == .groupIdNotFound)
        #expect(await coordinator.deleteGroup("never-used") == .groupIdNotFound)
    }

    @Test func aDeletedGroupWithOffsetsStaysDead() async throws {
        let zk = try await Self.session()
        let coordinator = Self.coordinator(0, alive: [0], zk: zk)
        #expect(await coordinator.commitOffsets("g", Self.commit(3)) == [TopicPartition("t", 0): .noError])
        #expect(await coordinator.deleteGroup("g") == .noError)
        #expect(try await zk.zooKeeper.exists("/consumers/g/offsets/t/0") == nil)
        #expect(await coordinator.describeGroup("g").1.state == .dead)
        #expect(await coordinator.deleteGroup("g") == .groupIdNotFound)
        #expect(try await coordinator.listGroups().get().isEmpty)
    }

    @Test func aGroupLoadedInAnExpiredSessionIsLoadedAgain() async throws {
        let zk = try await Self.session()
        let session = Mutex<Int64>(1)
        let woken = Self.coordinator(0, alive: [0], zk: zk, sessionId: { session.withLock { $0 } })
        let other = Self.coordinator(1, alive: [1], zk: zk)
        #expect(await woken.commitOffsets("g", Self.commit(100)) == [TopicPartition("t", 0): .noError])
        // While this broker's session was gone, another took the group and committed.
        #expect(await other.commitOffsets("g", Self.commit(200)) == [TopicPartition("t", 0): .noError])
        session.withLock { $0 = 2 }
        let fetched = try await woken.fetchOffsets("g", partitions: nil, requireStable: false).get()
        #expect(fetched[TopicPartition("t", 0)]?.0.offset == 200)
    }
}
