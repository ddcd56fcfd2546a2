import Foundation
import KafkaProtocol
import Logging
import Testing
import ZooKeeper

@testable import Coordination

/// Transactional ids' state in a real ZooKeeper, each test in a fresh chroot: claims fence older coordinators,
/// writes are conditional, listing and deletion.
@Suite("Transaction state in ZooKeeper")
struct TransactionStoreTests {
    static let logger = Logger(label: "test")

    static func node(_ id: String, state: String = "Empty", epoch: Int16 = 0) -> TransactionZNode {
        TransactionZNode(
            transactionalId: id, producerId: 4000, lastProducerId: -1, producerEpoch: epoch, lastProducerEpoch: -1,
            timeoutMs: 60_000, state: state, txnStartTimestampMs: -1, txnLastUpdateTimestampMs: 1_732_400_000_000,
            coordinator: -1, coordinatorEpoch: 0)
    }

    @Test func theZNodeIsKafkasRecordInJSON() throws {
        var node = Self.node("tx", state: "Ongoing", epoch: 3)
        node.partitions = [TopicPartition("t", 1), TopicPartition("t", 0), TopicPartition("a", 2)]
        node.groups = ["g"]
        node.coordinator = 1
        node.coordinatorEpoch = 7
        let text = String(decoding: node.encoded(), as: UTF8.self)
        #expect(text == #"{"version":1,"transactional_id":"tx","producer_id":4000,"last_producer_id":-1,"producer_epoch":3,"last_producer_epoch":-1,"timeout_ms":60000,"state":"Ongoing","partitions":[{"topic":"a","partitions":[2]},{"topic":"t","partitions":[0,1]}],"groups":["g"],"txn_start_timestamp":-1,"txn_last_update_timestamp":1732400000000,"coordinator":1,"coordinator_epoch":7}"#)
        #expect(try TransactionZNode.decode(node.encoded(), path: "/transactions/tx") == node)
        #expect(throws: ZkDataError.self) { try TransactionZNode.decode(Array(text.replacingOccurrences(of: "Ongoing", with: "Open").utf8), path: "p") }
    }

    @Test func anyIdIsOneNodeName() {
        #expect(TransactionZNode.nodeName(for: "my-tx_1.a") == "my-tx_1.a")
        #expect(TransactionZNode.nodeName(for: "a/b c") == "a%2Fb%20c")
        #expect(TransactionZNode.nodeName(for: ".") == "%2E")
        #expect(TransactionZNode.nodeName(for: "..") == "%2E%2E")
        #expect(TransactionZNode.nodeName(for: "") == nil)
        #expect(Sanitizer.desanitize(TransactionZNode.nodeName(for: "..")!) == "..")
        #expect(ZkPaths.isValidNodeName(TransactionZNode.nodeName(for: "ü/\u{1}")!))
    }

    /// Broker 1 claims and writes; broker 2 claims (fencing broker 1); broker 1's writes and deletes fail, even in a
    /// new session; broker 2's land.
    @Test func aClaimFencesTheZombiesWrites() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let (a, b) = (try await TestZooKeeper.session(config), try await TestZooKeeper.session(config))
        let first = TransactionStore(session: { a }, logger: Self.logger)
        let second = TransactionStore(session: { b }, logger: Self.logger)

        #expect(try await first.claim(transactionalId: "tx", brokerId: 1) == nil)  // absent, nothing to create
        #expect(try await a.text("/transactions/tx") == nil)
        let created = try #require(try await first.claim(transactionalId: "tx", brokerId: 1, createWith: Self.node("tx")))
        #expect(created.zkVersion == 0 && created.node.coordinator == 1 && created.node.coordinatorEpoch == 1)
        var ongoing = created.node
        ongoing.state = "Ongoing"
        let written = try await first.write(ongoing, expectedVersion: created.zkVersion)
        #expect(written.zkVersion == 1)

        let taken = try #require(try await second.claim(transactionalId: "tx", brokerId: 2))
        #expect(taken.node.coordinator == 2 && taken.node.coordinatorEpoch == 2 && taken.node.state == "Ongoing" && taken.zkVersion == 2)

        var zombie = written.node
        zombie.state = "PrepareCommit"
        await #expect(throws: TransactionStoreError.fenced(transactionalId: "tx", zkVersion: 1)) {
            _ = try await first.write(zombie, expectedVersion: written.zkVersion)
        }
        await a.close()
        let comeback = try await TestZooKeeper.session(config)
        let revived = TransactionStore(session: { comeback }, logger: Self.logger)
        await #expect(throws: TransactionStoreError.fenced(transactionalId: "tx", zkVersion: 1)) {
            _ = try await revived.write(zombie, expectedVersion: written.zkVersion)
        }
        await #expect(throws: TransactionStoreError.fenced(transactionalId: "tx", zkVersion: 1)) {
            try await revived.delete(transactionalId: "tx", expectedVersion: written.zkVersion)
        }
        #expect(try await second.load(transactionalId: "tx") == taken)

        var abort = taken.node
        abort.state = "PrepareAbort"
        #expect(try await second.write(abort, expectedVersion: taken.zkVersion).zkVersion == 3)
        #expect(try await revived.load(transactionalId: "tx")?.node.state == "PrepareAbort")
        await b.close()
        await comeback.close()
    }

    @Test func listReturnsEveryIdAndDeleteIsConditional() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let zk = try await TestZooKeeper.session(config)
        let store = TransactionStore(session: { zk }, logger: Self.logger)
        #expect(try await store.list() == [])
        var claimed: [String: StoredTransaction] = [:]
        for id in ["b", "a", "x/y", ".."] {
            claimed[id] = try await store.claim(transactionalId: id, brokerId: 1, createWith: Self.node(id))
        }
        try await zk.zooKeeper.create("/transactions/garbage", data: Array("nope".utf8))
        let listed = try await store.list()
        #expect(listed.map(\.node.transactionalId) == ["..", "a", "b", "x/y"])
        #expect(try await zk.zooKeeper.exists("/transactions/x%2Fy") != nil)

        let a = try #require(claimed["a"])
        var moved = a.node
        moved.state = "Ongoing"
        _ = try await store.write(moved, expectedVersion: a.zkVersion)
        await #expect(throws: TransactionStoreError.fenced(transactionalId: "a", zkVersion: 0)) {
            try await store.delete(transactionalId: "a", expectedVersion: a.zkVersion)
        }
        try await store.delete(transactionalId: "a", expectedVersion: a.zkVersion + 1)
        #expect(try await store.load(transactionalId: "a") == nil)
        #expect(try await store.list().map(\.node.transactionalId) == ["..", "b", "x/y"])
        await #expect(throws: TransactionStoreError.invalidId("")) { _ = try await store.load(transactionalId: "") }
        await zk.close()
    }
}
