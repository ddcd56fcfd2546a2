import Foundation
import GregorTestSupport
import KafkaProtocol
@testable import Storage
import Testing

/// A log moved between log dirs keeps its `.txnindex` files, producer snapshots and transaction state.
@Suite("LogManager: moves keep transactions")
struct LogDirMoveTransactionTests {
    let root: ScratchDirectory

    init() throws {
        root = try ScratchDirectory("txn-move")
    }

    @Test func aMovedLogKeepsItsAbortedTransactionsAndProducerState() async throws {
        let dirs = [root.child("a"), root.child("b")]
        var config = LogConfig()
        config.segmentBytes = 700
        let configuration = LogManager.Configuration(logDirs: dirs, defaultConfig: config)
        let tp = TopicPartition(topic: "moving", partition: 0)
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        let log = try manager.getOrCreateLog(tp)
        let aborted = try TxnTestLog.writeMix(log, rounds: 8)
        let producers = TxnTestLog.view(log)
        let unstable = log.firstUnstableOffset
        let source = try #require(manager.logDir(of: tp))
        let target = try #require(dirs.first { $0 != source })

        #expect(try manager.alterLogDir(tp, to: target))
        let deadline = ContinuousClock.now + .seconds(30)
        while manager.logDir(of: tp) != target {
            try #require(ContinuousClock.now < deadline, "the move finishes")
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try log.collectAbortedTransactions(from: 0, upTo: .max) == aborted)
        #expect(TxnTestLog.view(log) == producers)
        #expect(log.firstUnstableOffset == unstable)
        #expect(try TxnTestLog.snapshotOffsets(log.directory).count == log.numberOfSegments - 1)
        try manager.shutdown()

        let reloaded = try await LogManager.load(configuration, logger: TestLogs.logger)
        let again = try #require(reloaded.log(for: tp))
        #expect(try again.collectAbortedTransactions(from: 0, upTo: .max) == aborted)
        #expect(TxnTestLog.view(again) == producers)
        try reloaded.shutdown()
    }
}
