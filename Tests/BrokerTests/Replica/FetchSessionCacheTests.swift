import Glibc
import KafkaProtocol
import Testing

@testable import Broker
@testable import Storage

/// KIP-227 on the leader: sessions opened by full fetches, incremental fetches that carry and answer only what
/// changed, and Kafka's errors and eviction rules.
@Suite struct FetchSessionCacheTests {
    typealias Cache = FetchSessionCache

    static func request(_ topic: String, _ partition: Int32, at offset: Int64 = 0, epoch: Int32 = 1) -> FetchPartitionRequest {
        FetchPartitionRequest(
            topicPartition: TopicPartition(topic: topic, partition: partition), fetchOffset: offset, maxBytes: 1024,
            currentLeaderEpoch: epoch, logStartOffset: 0)
    }

    static func result(
        _ request: FetchPartitionRequest, highWatermark: Int64, logStart: Int64 = 0, error: ErrorCode = .noError
    ) -> FetchPartitionResult {
        FetchPartitionResult(
            topicPartition: request.topicPartition, errorCode: error, highWatermark: highWatermark, logStartOffset: logStart)
    }

    /// A result carrying 64 bytes of records, from a file made at `path` (the caller removes it).
    static func result(_ request: FetchPartitionRequest, highWatermark: Int64, recordsIn path: String) throws -> FetchPartitionResult {
        var result = result(request, highWatermark: highWatermark)
        let file = try SegmentFile(path: path, create: true, use: .newConsumer, budget: .process)
        result.records = FileSlice(file: file, position: 0, count: 64)
        return result
    }

    static func scratchPath() -> String { "/tmp/fetch-session-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).log" }

    /// A session of partitions t-0, t-1, u-0, opened by a full fetch that saw high watermark 10 everywhere.
    static func opened(privileged: Bool = true, nowMs: Int64 = 0) -> (Cache, Int32, [FetchPartitionRequest]) {
        var cache = Cache(maxSessions: 10, firstId: 5)
        let requested = [request("t", 0), request("t", 1), request("u", 0)]
        #expect(cache.newContext(sessionId: 0, epoch: Cache.Epoch.initial, requested: requested, forgotten: [], nowMs: nowMs) == .full)
        let id = cache.createSession(
            privileged: privileged, requested: requested, results: requested.map { result($0, highWatermark: 10) }, nowMs: nowMs)
        #expect(id == 5)
        return (cache, id, requested)
    }

    @Test func fullFetchWithFinalEpochOpensNoSession() {
        var cache = Cache(maxSessions: 10)
        #expect(cache.newContext(sessionId: 0, epoch: Cache.Epoch.final, requested: [Self.request("t", 0)], forgotten: [], nowMs: 0) == .sessionless)
        #expect(cache.sessions.isEmpty)
    }

    @Test func incrementalFetchReadsTheWholeSessionAndAnswersOnlyChanges() throws {
        var (cache, id, requested) = Self.opened()
        // Nothing changed on the client's side: the request carries no partition, yet all three are read.
        guard case .incremental(let sessionId, let partitions) = cache.newContext(
            sessionId: id, epoch: 1, requested: [], forgotten: [], nowMs: 1)
        else { Issue.record("not incremental"); return }
        #expect(sessionId == id)
        #expect(partitions == requested)
        // Only t-1's high watermark moved.
        let answered = cache.incrementalResponse(sessionId: id, results: [
            Self.result(requested[0], highWatermark: 10), Self.result(requested[1], highWatermark: 12),
            Self.result(requested[2], highWatermark: 10),
        ])
        #expect(answered.map(\.topicPartition) == [requested[1].topicPartition])
        // The same answer again carries nothing: the session remembers what it sent.
        _ = cache.newContext(sessionId: id, epoch: 2, requested: [], forgotten: [], nowMs: 2)
        #expect(cache.incrementalResponse(sessionId: id, results: [
            Self.result(requested[0], highWatermark: 10), Self.result(requested[1], highWatermark: 12),
            Self.result(requested[2], highWatermark: 10),
        ]).isEmpty)
    }

    @Test func errorsAreAlwaysAnsweredAndTheirPartitionSentAgainOnceTheyClear() {
        var (cache, id, requested) = Self.opened()
        _ = cache.newContext(sessionId: id, epoch: 1, requested: [], forgotten: [], nowMs: 1)
        let failed = cache.incrementalResponse(sessionId: id, results: [
            Self.result(requested[0], highWatermark: -1, error: .notLeaderOrFollower),
            Self.result(requested[1], highWatermark: 10), Self.result(requested[2], highWatermark: 10),
        ])
        #expect(failed.map(\.errorCode) == [.notLeaderOrFollower])
        _ = cache.newContext(sessionId: id, epoch: 2, requested: [], forgotten: [], nowMs: 2)
        let cleared = cache.incrementalResponse(sessionId: id, results: [
            Self.result(requested[0], highWatermark: 10), Self.result(requested[1], highWatermark: 10),
            Self.result(requested[2], highWatermark: 10),
        ])
        #expect(cleared.map(\.topicPartition) == [requested[0].topicPartition])
    }

    @Test func updatedForgottenAndAddedPartitionsChangeTheSession() throws {
        var (cache, id, requested) = Self.opened()
        let moved = Self.request("t", 0, at: 42)
        let added = Self.request("v", 3)
        guard case .incremental(_, let partitions) = cache.newContext(
            sessionId: id, epoch: 1, requested: [moved, added], forgotten: [requested[2].topicPartition], nowMs: 1)
        else { Issue.record("not incremental"); return }
        #expect(partitions == [moved, requested[1], added])
        // A new partition has never been answered: it is in the next answer.
        let answered = cache.incrementalResponse(sessionId: id, results: partitions.map { Self.result($0, highWatermark: 10) })
        #expect(answered.map(\.topicPartition) == [added.topicPartition])
    }

    @Test func partitionsThatReturnedRecordsGoToTheBack() throws {
        var (cache, id, requested) = Self.opened()
        _ = cache.newContext(sessionId: id, epoch: 1, requested: [], forgotten: [], nowMs: 1)
        let path = Self.scratchPath()
        defer { unlink(path) }
        let withRecords = try Self.result(requested[0], highWatermark: 10, recordsIn: path)
        let answered = cache.incrementalResponse(sessionId: id, results: [
            withRecords, Self.result(requested[1], highWatermark: 10), Self.result(requested[2], highWatermark: 10),
        ])
        #expect(answered.count == 1)
        guard case .incremental(_, let partitions) = cache.newContext(sessionId: id, epoch: 2, requested: [], forgotten: [], nowMs: 2)
        else { Issue.record("not incremental"); return }
        #expect(partitions.map(\.topicPartition) == [requested[1], requested[2], requested[0]].map(\.topicPartition))
    }

    /// Results are matched to the session's partitions by position when they come in its order, and by partition
    /// when they do not; after partitions moved to the back, were forgotten and added, each is still found.
    @Test func resultsInAnyOrderMeetTheirPartitions() throws {
        var (cache, id, requested) = Self.opened()
        _ = cache.newContext(sessionId: id, epoch: 1, requested: [], forgotten: [], nowMs: 1)
        let reversed = cache.incrementalResponse(sessionId: id, results: [
            Self.result(requested[2], highWatermark: 10), Self.result(requested[1], highWatermark: 10),
            Self.result(requested[0], highWatermark: 11),
        ])
        #expect(reversed.map(\.topicPartition) == [requested[0].topicPartition])

        // t-0 returns records and goes to the back: t-1, u-0, t-0.
        _ = cache.newContext(sessionId: id, epoch: 2, requested: [], forgotten: [], nowMs: 2)
        let path = Self.scratchPath()
        defer { unlink(path) }
        let withRecords = try Self.result(requested[0], highWatermark: 11, recordsIn: path)
        _ = cache.incrementalResponse(sessionId: id, results: [
            withRecords, Self.result(requested[1], highWatermark: 10), Self.result(requested[2], highWatermark: 10),
        ])
        // Forget t-1, move t-0 on, add v-0.
        let added = Self.request("v", 0)
        guard case .incremental(_, let partitions) = cache.newContext(
            sessionId: id, epoch: 3, requested: [Self.request("t", 0, at: 5), added],
            forgotten: [requested[1].topicPartition], nowMs: 3)
        else { Issue.record("not incremental"); return }
        #expect(partitions == [requested[2], Self.request("t", 0, at: 5), added])
        // Every one of them answers by position and by lookup alike: u-0's high watermark moved.
        let answered = cache.incrementalResponse(sessionId: id, results: [
            Self.result(added, highWatermark: 0), Self.result(requested[2], highWatermark: 12),
            Self.result(requested[0], highWatermark: 11),
        ])
        #expect(answered.map(\.topicPartition) == [added.topicPartition, requested[2].topicPartition])
    }

    @Test func wrongIdsAndEpochsFailTheRequest() {
        var (cache, id, _) = Self.opened()
        #expect(cache.newContext(sessionId: id + 1, epoch: 1, requested: [], forgotten: [], nowMs: 1) == .error(.fetchSessionIdNotFound))
        #expect(cache.newContext(sessionId: 0, epoch: 1, requested: [], forgotten: [], nowMs: 1) == .error(.fetchSessionIdNotFound))
        #expect(cache.newContext(sessionId: id, epoch: 2, requested: [], forgotten: [], nowMs: 1) == .error(.invalidFetchSessionEpoch))
        // The right epoch still works, once: a second request with the same epoch is refused.
        #expect(cache.newContext(sessionId: id, epoch: 1, requested: [], forgotten: [], nowMs: 1) != .error(.invalidFetchSessionEpoch))
        #expect(cache.newContext(sessionId: id, epoch: 1, requested: [], forgotten: [], nowMs: 1) == .error(.invalidFetchSessionEpoch))
    }

    @Test func aFullFetchClosesTheSessionItNames() {
        var (cache, id, requested) = Self.opened()
        #expect(cache.newContext(sessionId: id, epoch: Cache.Epoch.final, requested: requested, forgotten: [], nowMs: 1) == .sessionless)
        #expect(cache.sessions.isEmpty)
        (cache, id, requested) = Self.opened()
        #expect(cache.newContext(sessionId: id, epoch: Cache.Epoch.initial, requested: requested, forgotten: [], nowMs: 1) == .full)
        #expect(cache.sessions.isEmpty)
    }

    @Test func forgettingEveryPartitionClosesTheSession() {
        var (cache, id, requested) = Self.opened()
        #expect(cache.newContext(
            sessionId: id, epoch: 1, requested: [], forgotten: requested.map(\.topicPartition), nowMs: 1) == .sessionless)
        #expect(cache.sessions.isEmpty)
    }

    @Test func evictionFollowsKafkasRules() {
        var cache = Cache(maxSessions: 2, evictionMs: 100, firstId: 1)
        let small = [Self.request("t", 0)]
        let large = [Self.request("t", 0), Self.request("t", 1), Self.request("t", 2)]
        let client = cache.createSession(privileged: false, requested: small, results: [], nowMs: 0)
        let follower = cache.createSession(privileged: true, requested: large, results: [], nowMs: 0)
        #expect(client != 0 && follower != 0)
        // Full, nothing stale: a client cannot evict a young session; a follower evicts the client's.
        #expect(cache.createSession(privileged: false, requested: large, results: [], nowMs: 50) == 0)
        let second = cache.createSession(privileged: true, requested: small, results: [], nowMs: 50)
        #expect(second != 0)
        #expect(cache.sessions[client] == nil && cache.sessions[follower] != nil)
        // Unused past the eviction time: the least recently used session goes for anyone.
        _ = cache.newContext(sessionId: second, epoch: 1, requested: [], forgotten: [], nowMs: 120)
        let third = cache.createSession(privileged: false, requested: small, results: [], nowMs: 150)
        #expect(third != 0)
        #expect(cache.sessions[follower] == nil && cache.sessions[second] != nil)
        #expect(Cache(maxSessions: 0).sessions.isEmpty)
        var none = Cache(maxSessions: 0)
        #expect(none.createSession(privileged: true, requested: small, results: [], nowMs: 0) == 0)
    }
}
