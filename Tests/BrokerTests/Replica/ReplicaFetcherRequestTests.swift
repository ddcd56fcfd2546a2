import Coordination
import KafkaProtocol
import Logging
import Storage
import Testing

@testable import Broker

/// What a follower's fetcher asks its leader for, built from the partitions it follows there (no connection).
@Suite("ReplicaFetcher requests")
struct ReplicaFetcherRequestTests {
    @Test("a fetch lists every ready partition once: topics by name, partitions by index, paused and truncating ones left out")
    func fetchRequestOrderAndContent() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let leader = BrokerEndPoint(id: 2, host: "127.0.0.1", port: 1)
        let followed: [TopicPartition] = [
            .init(topic: "b", partition: 10), .init(topic: "a", partition: 2), .init(topic: "b", partition: 1),
            .init(topic: "c", partition: 0), .init(topic: "a", partition: 11), .init(topic: "a", partition: 0),
            .init(topic: "b", partition: 3),
        ]
        var initial: [InitialFetchState] = []
        for (index, tp) in followed.enumerated() {
            let log = try fixture.logManager.getOrCreateLog(tp)
            let state = PartitionState(
                topic: tp.topic, partition: tp.partition, controllerEpoch: 1, leader: 2, leaderEpoch: Int32(index),
                isr: [2, 1], zkVersion: 0, replicas: [2, 1])
            let partition = Partition(topicPartition: tp, localBrokerId: 1, log: log, leaderState: state, highWatermark: 0)
            initial.append(InitialFetchState(partition: partition, leader: leader, leaderEpoch: Int32(index), fetchOffset: 0))
        }
        let fetcher = ReplicaFetcher(
            fetcherId: 0, source: leader, brokerId: 1, configuration: ReplicaFetcherConfiguration(), logger: Logger(label: "test"))
        fetcher.addPartitions(initial)
        let now = ContinuousClock.now
        // Every partition starts truncating: nothing to fetch until the epochs are settled.
        #expect(fetcher.buildFetchRequest(now: now) == nil)
        // Empty logs have no epoch to ask about: they all start fetching at once.
        #expect(fetcher.buildOffsetForLeaderEpochRequest(now: now) == nil)
        fetcher.delay([TopicPartition(topic: "b", partition: 3)])

        let (request, sent, sessionRequest) = try #require(fetcher.buildFetchRequest(now: now))
        #expect(request.topics.map(\.topic) == ["a", "b", "c"])
        #expect(request.topics.map { $0.partitions.map(\.partition) } == [[0, 2, 11], [1, 10], [0]])
        let epochs = Dictionary(uniqueKeysWithValues: followed.enumerated().map { ($1, Int32($0)) })
        for topic in request.topics {
            for partition in topic.partitions {
                let tp = TopicPartition(topic: topic.topic, partition: partition.partition)
                #expect(partition.currentLeaderEpoch == epochs[tp])
                #expect(partition.fetchOffset == 0)
            }
        }
        #expect(Set(sent.keys) == Set(followed).subtracting([TopicPartition(topic: "b", partition: 3)]))
        // The first fetch is full and asks for a session (KIP-227).
        #expect(request.sessionId == 0 && request.sessionEpoch == 0)
        #expect(request.forgottenTopicsData.isEmpty)

        // The leader opened session 7: the next fetch carries nothing new, only the session, and still fetches all.
        fetcher.session.withLock { $0.handleResponse(to: sessionRequest, errorCode: .noError, sessionId: 7) }
        let (incremental, incrementalSent, _) = try #require(fetcher.buildFetchRequest(now: now))
        #expect(incremental.sessionId == 7 && incremental.sessionEpoch == 1)
        #expect(incremental.topics.isEmpty)
        #expect(incremental.forgottenTopicsData.isEmpty)
        #expect(incrementalSent == sent)

        // A partition paused after an error leaves the session; one whose epoch changed is sent again.
        fetcher.delay([TopicPartition(topic: "a", partition: 2)])
        #expect(fetcher.updateLeaderEpoch(TopicPartition(topic: "c", partition: 0), to: 99))
        let (changed, _, _) = try #require(fetcher.buildFetchRequest(now: now))
        #expect(changed.topics.map(\.topic) == ["c"])
        #expect(changed.topics[0].partitions.map(\.currentLeaderEpoch) == [99])
        #expect(changed.forgottenTopicsData == [FetchRequest.ForgottenTopic(topic: "a", partitions: [2])])
    }

    @Test("once no partition is truncating the scan for them stops, and partitions added later are asked about")
    func truncationScanStopsWhenNoneIsLeftAndResumesForNewPartitions() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let leader = BrokerEndPoint(id: 2, host: "127.0.0.1", port: 1)
        func following(_ tp: TopicPartition, epoch: Int32) throws -> InitialFetchState {
            let log = try fixture.logManager.getOrCreateLog(tp)
            let state = PartitionState(
                topic: tp.topic, partition: tp.partition, controllerEpoch: 1, leader: 2, leaderEpoch: epoch,
                isr: [2, 1], zkVersion: 0, replicas: [2, 1])
            let partition = Partition(topicPartition: tp, localBrokerId: 1, log: log, leaderState: state, highWatermark: 0)
            return InitialFetchState(partition: partition, leader: leader, leaderEpoch: epoch, fetchOffset: 0)
        }
        let fetcher = ReplicaFetcher(
            fetcherId: 0, source: leader, brokerId: 1, configuration: ReplicaFetcherConfiguration(), logger: Logger(label: "test"))
        let now = ContinuousClock.now
        func scanning() -> Bool { fetcher.mayBeTruncating.load(ordering: .relaxed) }
        #expect(!scanning())

        // An empty log has no epoch to ask about: it starts fetching, and the next scan finds none truncating.
        fetcher.addPartitions([try following(TopicPartition(topic: "empty", partition: 0), epoch: 3)])
        #expect(scanning())
        #expect(fetcher.buildOffsetForLeaderEpochRequest(now: now) == nil)
        #expect(fetcher.buildOffsetForLeaderEpochRequest(now: now) == nil)
        #expect(!scanning())

        // A log with records written in epoch 5, added later to the same fetcher, is asked about.
        let written = TopicPartition(topic: "written", partition: 0)
        let added = try following(written, epoch: 6)
        var records = ReplicaManagerFixture.batch(["a", "b"])
        _ = try added.partition.log.appendAsLeader(&records, leaderEpoch: 5)
        fetcher.addPartitions([added])
        let (request, sent) = try #require(fetcher.buildOffsetForLeaderEpochRequest(now: now))
        #expect(request.topics.map(\.topic) == ["written"])
        #expect(request.topics.first?.partitions.first?.leaderEpoch == 5)
        #expect(request.topics.first?.partitions.first?.currentLeaderEpoch == 6)
        #expect(sent == [written: 6])  // the epoch it follows under
        // Still truncating until the leader answers: the scan goes on.
        #expect(scanning())
        #expect(fetcher.buildOffsetForLeaderEpochRequest(now: now) != nil)
        _ = fetcher.removeAllPartitions()
    }
}
