import KafkaProtocol
import GregorTestSupport
import Logging
import Synchronization
import ZooKeeper

@testable import Coordination

/// Helpers for the group offset store suites: stores over real sessions, and a session a test can replace (a
/// broker whose session expired and came back with a new one).
enum GroupStoreFixture {
    static let logger = Logger(label: "test")
    static let commitTimeMs: Int64 = 1_732_400_000_000

    static func store(_ zk: KafkaZkClient, limits: MultiOpLimits = .default) -> GroupOffsetStore {
        GroupOffsetStore(session: { zk }, limits: limits, logger: logger)
    }

    static func offset(_ offset: Int64, metadata: String = "") -> OffsetAndMetadata {
        OffsetAndMetadata(offset: offset, metadata: metadata, commitTimestampMs: commitTimeMs)
    }

    /// `count` partitions of `topic`, each committed at `offset`.
    static func offsets(_ topic: String, _ partitions: Range<Int32>, at offset: Int64) -> [TopicPartition: OffsetAndMetadata] {
        Dictionary(uniqueKeysWithValues: partitions.map { (TopicPartition(topic, $0), Self.offset(offset)) })
    }
}

/// The broker's current session, replaceable.
final class SwitchableSession: Sendable {
    private let current: Mutex<KafkaZkClient>

    init(_ zk: KafkaZkClient) {
        current = Mutex(zk)
    }

    var zk: KafkaZkClient { current.withLock { $0 } }

    func replace(with zk: KafkaZkClient) {
        current.withLock { $0 = zk }
    }
}

extension GroupOffsetStore {
    /// Runs `calls` concurrently while writes are held, releases them once all are queued (so they meet in the
    /// same multi-ops), and returns each call's outcome in order.
    func merged(_ calls: [@Sendable () async throws -> Void]) async throws -> [Result<Void, GroupStoreError>] {
        holdWrites()
        return try await withThrowingTaskGroup(of: (Int, Result<Void, GroupStoreError>).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask {
                    do {
                        try await call()
                        return (index, .success(()))
                    } catch let error as GroupStoreError {
                        return (index, .failure(error))
                    }
                }
            }
            try await eventually(timeout: .seconds(30), "\(calls.count) writes queued") { pendingWriteCount == calls.count }
            releaseWrites()
            var results = [Result<Void, GroupStoreError>?](repeating: nil, count: calls.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }
}
