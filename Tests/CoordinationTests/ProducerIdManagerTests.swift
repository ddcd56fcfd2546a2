import Foundation
import Logging
import Testing
import ZooKeeper

@testable import Coordination

/// Producer id blocks claimed from `/latest_producer_id_block` of a real ZooKeeper, each test in a fresh chroot.
@Suite("Producer id blocks in ZooKeeper")
struct ProducerIdManagerTests {
    private let logger = Logger(label: "test")

    @Test func znodeTextIsKafkas() throws {
        let block = ProducerIdBlock(brokerId: 1, firstId: 0, lastId: 999)
        #expect(String(decoding: block.encoded(), as: UTF8.self) == #"{"version":1,"broker":1,"block_start":"0","block_end":"999"}"#)
        #expect(try ProducerIdBlock.decode(block.encoded()) == block)
        #expect(try ProducerIdBlock.decode([]) == nil, "the node as ensurePersistentPaths creates it")
        #expect(throws: ZkDataError.self) { try ProducerIdBlock.decode(Array(#"{"version":1,"broker":1,"block_start":"x","block_end":"9"}"#.utf8)) }
        #expect(ProducerIdBlock.next(after: block, brokerId: 2) == ProducerIdBlock(brokerId: 2, firstId: 1000, lastId: 1999))
        #expect(ProducerIdBlock.next(after: .init(brokerId: 1, firstId: 0, lastId: .max - 999), brokerId: 1) == nil)
    }

    @Test func idsComeFromConsecutiveBlocks() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let zk = try await TestZooKeeper.session(config)
        defer { Task { await zk.close() } }
        let manager = ProducerIdManager(brokerId: 7, session: { zk }, logger: logger)
        #expect(try await zk.text(ZkPaths.latestProducerIdBlock) == "", "nothing is claimed before the first request")

        var ids: [Int64] = []
        for _ in 0..<1001 { ids.append(try await manager.generateProducerId()) }
        #expect(ids == Array(0...1000))
        #expect(try await zk.text(ZkPaths.latestProducerIdBlock) == #"{"version":1,"broker":7,"block_start":"1000","block_end":"1999"}"#)
    }

    /// Another broker's block (in Kafka's format) is where the next claim continues; a missing znode is created.
    @Test func continuesAfterTheStoredBlockAndCreatesAMissingNode() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let zk = try await TestZooKeeper.session(config)
        defer { Task { await zk.close() } }
        _ = try await zk.zooKeeper.setData(
            ZkPaths.latestProducerIdBlock, data: Array(#"{"version":1,"broker":3,"block_start":"5000","block_end":"5999"}"#.utf8))
        #expect(try await ProducerIdManager(brokerId: 1, session: { zk }, logger: logger).generateProducerId() == 6000)

        try await zk.zooKeeper.delete(ZkPaths.latestProducerIdBlock)
        #expect(try await ProducerIdManager(brokerId: 1, session: { zk }, logger: logger).generateProducerId() == 0)
        #expect(try await zk.text(ZkPaths.latestProducerIdBlock) == #"{"version":1,"broker":1,"block_start":"0","block_end":"999"}"#)
    }

    /// Two brokers, each with its own session, claiming at the same time: every block is distinct and together
    /// they cover the ids from 0 without a gap, so the conditional write really decided each race.
    @Test func racingClaimsNeverShareABlock() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let first = try await TestZooKeeper.session(config)
        let second = try await TestZooKeeper.session(config)
        defer { Task { await first.close(); await second.close() } }
        let claimsPerBroker = 12
        let blocks = try await withThrowingTaskGroup(of: ProducerIdBlock.self) { group in
            for _ in 0..<claimsPerBroker {
                group.addTask { [logger] in try await ProducerIdManager.claimBlock(brokerId: 1, zk: first, logger: logger) }
                group.addTask { [logger] in try await ProducerIdManager.claimBlock(brokerId: 2, zk: second, logger: logger) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let starts = blocks.map(\.firstId).sorted()
        #expect(starts == (0..<Int64(2 * claimsPerBroker)).map { $0 * ProducerIdBlock.size })
        #expect(blocks.filter { $0.brokerId == 1 }.count == claimsPerBroker)
    }

    /// Two managers handing out ids concurrently (several blocks each) never hand out the same id.
    @Test func managersOnTwoBrokersNeverShareAnId() async throws {
        let config = try await TestZooKeeper.freshChroot()
        let first = try await TestZooKeeper.session(config)
        let second = try await TestZooKeeper.session(config)
        defer { Task { await first.close(); await second.close() } }
        let managers = [
            ProducerIdManager(brokerId: 1, session: { first }, logger: logger),
            ProducerIdManager(brokerId: 2, session: { second }, logger: logger),
        ]
        let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for manager in managers {
                for _ in 0..<4 {
                    group.addTask {
                        var ids: [Int64] = []
                        for _ in 0..<600 { ids.append(try await manager.generateProducerId()) }
                        return ids
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 4800)
        #expect(Set(ids).count == ids.count)
    }
}
