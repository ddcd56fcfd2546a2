import Coordination
import Foundation
import GregorTestSupport
import KafkaProtocol
import Logging
import Synchronization
import Testing
import ZooKeeper

@testable import Broker

/// Records the markers it is asked to write; while `held`, it waits until released (markers still in flight).
final class RecordingMarkerSender: TransactionMarkerSender {
    private let state = Mutex<(sent: [TransactionMarkers], held: Bool)>(([], false))

    var sent: [TransactionMarkers] { state.withLock { $0.sent } }
    func hold() { state.withLock { $0.held = true } }
    func release() { state.withLock { $0.held = false } }

    func writeMarkers(_ markers: TransactionMarkers) async throws {
        while state.withLock({ $0.held }) { try await Task.sleep(for: .milliseconds(10)) }
        state.withLock { $0.sent.append(markers) }
    }
}

/// The coordinator driver against a real ZooKeeper with a fake marker sender.
@Suite struct TransactionCoordinatorTests {
    static let server = Task { try await ZooKeeperServer.start() }
    static let logger = Logger(label: "test")
    static let now: Int64 = 1_732_400_000_000
    static let tp0 = TopicPartition("t", 0)

    static func session() async throws -> KafkaZkClient {
        let server = try await server.value
        let config = ClusterMembership.Configuration(
            connectString: try ConnectString(parsing: server.connectString + "/txn-\(UUID().uuidString.prefix(8))"),
            sessionTimeout: .seconds(6), connectionTimeout: .seconds(10))
        let zk = try await ClusterMembership.connect(config, logger: logger)
        try await zk.ensurePersistentPaths()
        return zk
    }

    static func coordinator(_ brokerId: Int32 = 1, alive: [Int32] = [1], zk: KafkaZkClient, sender: RecordingMarkerSender) -> TransactionCoordinator {
        TransactionCoordinator(
            brokerId: brokerId, configuration: TransactionConfiguration(), session: { zk },
            producerIds: ProducerIdManager(brokerId: brokerId, session: { zk }, logger: logger), markers: sender,
            liveBrokerIds: { alive }, logger: logger)
    }

    static func stored(_ zk: KafkaZkClient, _ id: String) async throws -> TransactionZNode? {
        try await TransactionStore(session: { zk }, logger: logger).load(transactionalId: id)?.node
    }

    static func waitForState(_ zk: KafkaZkClient, _ id: String, _ state: String) async throws {
        try await eventually(timeout: .seconds(20), "\(id) in \(state)") { try await stored(zk, id)?.state == state }
    }

    @Test func initAddCommitReachesCompleteCommit() async throws {
        let zk = try await Self.session()
        let sender = RecordingMarkerSender()
        let coordinator = Self.coordinator(zk: zk, sender: sender)
        let initialized = await coordinator.initProducerId(
            transactionalId: "tx", transactionTimeoutMs: 60_000, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now)
        #expect(initialized.error == .noError && initialized.producerEpoch == 0 && initialized.producerId >= 0)
        let pid = initialized.producerId
        #expect(await coordinator.addPartitions(transactionalId: "tx", producerId: pid, producerEpoch: 0, partitions: [Self.tp0], nowMs: Self.now) == .noError)
        #expect(await coordinator.addOffsets(transactionalId: "tx", producerId: pid, producerEpoch: 0, groupId: "g", nowMs: Self.now) == .noError)
        let ongoing = try #require(try await Self.stored(zk, "tx"))
        #expect(ongoing.state == "Ongoing" && ongoing.partitions == [Self.tp0] && ongoing.groups == ["g"] && ongoing.txnStartTimestampMs == Self.now)
        #expect(ongoing.coordinator == 1 && ongoing.coordinatorEpoch == 1)

        sender.hold()
        #expect(await coordinator.endTransaction(transactionalId: "tx", producerId: pid, producerEpoch: 0, commit: true, nowMs: Self.now + 1) == .noError)
        #expect(try await Self.stored(zk, "tx")?.state == "PrepareCommit")
        // The next transaction waits for the markers.
        #expect(await coordinator.addPartitions(transactionalId: "tx", producerId: pid, producerEpoch: 0, partitions: [Self.tp0], nowMs: Self.now + 2) == .concurrentTransactions)
        sender.release()
        try await Self.waitForState(zk, "tx", "CompleteCommit")
        #expect(sender.sent == [TransactionMarkers(
            transactionalId: "tx", producerId: pid, producerEpoch: 0, coordinatorEpoch: 1, commit: true, partitions: [Self.tp0], groups: ["g"])])
        #expect(try await Self.stored(zk, "tx")?.partitions == [])
        #expect(await coordinator.endTransaction(transactionalId: "tx", producerId: pid, producerEpoch: 0, commit: true, nowMs: Self.now + 3) == .noError)
        #expect(await coordinator.endTransaction(transactionalId: "tx", producerId: pid, producerEpoch: 0, commit: false, nowMs: Self.now + 3) == .invalidTxnState)
        await coordinator.shutdown()
        await zk.zooKeeper.close()
    }

    @Test func aSecondInitFencesAndAbortsTheOpenTransaction() async throws {
        let zk = try await Self.session()
        let sender = RecordingMarkerSender()
        let coordinator = Self.coordinator(zk: zk, sender: sender)
        let first = await coordinator.initProducerId(
            transactionalId: "tx", transactionTimeoutMs: 60_000, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now)
        #expect(await coordinator.addPartitions(transactionalId: "tx", producerId: first.producerId, producerEpoch: 0, partitions: [Self.tp0], nowMs: Self.now) == .noError)

        let retry = await coordinator.initProducerId(
            transactionalId: "tx", transactionTimeoutMs: 60_000, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now + 1)
        #expect(retry.error == .concurrentTransactions)
        try await Self.waitForState(zk, "tx", "CompleteAbort")
        #expect(sender.sent.map(\.commit) == [false] && sender.sent.first?.producerEpoch == 1)
        // The fenced producer can no longer add or commit.
        #expect(await coordinator.addPartitions(transactionalId: "tx", producerId: first.producerId, producerEpoch: 0, partitions: [Self.tp0], nowMs: Self.now + 2) == .producerFenced)
        let second = await coordinator.initProducerId(
            transactionalId: "tx", transactionTimeoutMs: 60_000, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now + 3)
        #expect(second.error == .noError && second.producerId == first.producerId && second.producerEpoch == 2)
        #expect(await coordinator.endTransaction(transactionalId: "tx", producerId: first.producerId, producerEpoch: 0, commit: true, nowMs: Self.now + 4) == .producerFenced)
        await coordinator.shutdown()
        await zk.zooKeeper.close()
    }

    @Test func aTimedOutTransactionIsAborted() async throws {
        let zk = try await Self.session()
        let sender = RecordingMarkerSender()
        let coordinator = Self.coordinator(zk: zk, sender: sender)
        let pid = await coordinator.initProducerId(
            transactionalId: "slow", transactionTimeoutMs: 1_000, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now
        ).producerId
        #expect(await coordinator.addPartitions(transactionalId: "slow", producerId: pid, producerEpoch: 0, partitions: [Self.tp0], nowMs: Self.now) == .noError)
        await coordinator.abortTimedOutTransactions(nowMs: Self.now + 1_000)
        #expect(try await Self.stored(zk, "slow")?.state == "Ongoing")  // not past its timeout yet
        await coordinator.abortTimedOutTransactions(nowMs: Self.now + 1_001)
        try await Self.waitForState(zk, "slow", "CompleteAbort")
        #expect(try await Self.stored(zk, "slow")?.producerEpoch == 1)
        #expect(await coordinator.endTransaction(transactionalId: "slow", producerId: pid, producerEpoch: 0, commit: true, nowMs: Self.now + 2_000) == .producerFenced)
        // Idle past transactional.id.expiration.ms: the id is removed.
        await coordinator.removeExpiredTransactionalIds(nowMs: TransactionCoordinator.nowMs() + 604_800_001)
        #expect(try await Self.stored(zk, "slow") == nil)
        await coordinator.shutdown()
        await zk.zooKeeper.close()
    }

    @Test func aPrepareCommitLeftByAnotherBrokerIsResumed() async throws {
        let zk = try await Self.session()
        let node = TransactionZNode(
            transactionalId: "orphan", producerId: 42, lastProducerId: 42, producerEpoch: 5, lastProducerEpoch: -1,
            timeoutMs: 60_000, state: "PrepareCommit", partitions: [Self.tp0], groups: ["g"], txnStartTimestampMs: Self.now,
            txnLastUpdateTimestampMs: Self.now, coordinator: 5, coordinatorEpoch: 0)
        _ = try await TransactionStore(session: { zk }, logger: Self.logger).claim(transactionalId: "orphan", brokerId: 5, createWith: node)
        let sender = RecordingMarkerSender()
        let coordinator = Self.coordinator(zk: zk, sender: sender)
        await coordinator.start()
        try await Self.waitForState(zk, "orphan", "CompleteCommit")
        let completed = try #require(try await Self.stored(zk, "orphan"))
        #expect(completed.coordinator == 1 && completed.coordinatorEpoch == 2 && completed.partitions == [])
        #expect(sender.sent == [TransactionMarkers(
            transactionalId: "orphan", producerId: 42, producerEpoch: 5, coordinatorEpoch: 2, commit: true, partitions: [Self.tp0], groups: ["g"])])
        await coordinator.shutdown()
        await zk.zooKeeper.close()
    }

    @Test func requestsForAnotherBrokersIdAreRefused() async throws {
        let zk = try await Self.session()
        let coordinator = Self.coordinator(1, alive: [2], zk: zk, sender: RecordingMarkerSender())
        #expect(coordinator.coordinatorId(for: "tx") == 2)
        let answer = await coordinator.initProducerId(
            transactionalId: "tx", transactionTimeoutMs: 60_000, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now)
        #expect(answer.error == .notCoordinator)
        let tooLong = await Self.coordinator(zk: zk, sender: RecordingMarkerSender()).initProducerId(
            transactionalId: "tx", transactionTimeoutMs: 900_001, expectedProducerId: -1, expectedProducerEpoch: -1, nowMs: Self.now)
        #expect(tooLong.error == .invalidTransactionTimeout)
        #expect(await coordinator.addPartitions(transactionalId: "", producerId: 1, producerEpoch: 0, partitions: [], nowMs: Self.now) == .invalidRequest)
        await zk.zooKeeper.close()
    }
}
