import Foundation
import KafkaProtocol
import NIOCore
@testable import Storage

/// Producers writing transactions into a real log, for the transaction tests: data batches with the transactional
/// bit, markers through `appendEndTxnMarker`, and views of the state the tests compare.
enum TxnTestLog {
    /// A producer's batch of `count` records with sequences from `sequence`, transactional unless told.
    static func batch(
        producerId: Int64, epoch: Int16 = 0, sequence: Int32, count: Int = 3, transactional: Bool = true
    ) -> [UInt8] {
        var builder = RecordBatchBuilder(
            baseTimestamp: TestLogs.baseTimestamp, producerId: producerId, producerEpoch: epoch, baseSequence: sequence)
        for i in 0..<count { builder.append(key: nil, value: Array("p\(producerId) s\(sequence) r\(i)".utf8)) }
        var bytes = builder.build()
        guard transactional else { return bytes }
        // Attributes are bytes 21-22 (big-endian): bit 4 is transactional; the CRC covers attributes..end.
        bytes[22] |= 0x10
        let crc = TestBatches.crc32c(bytes[21...])
        bytes.replaceSubrange(17..<21, with: TestBatches.bigEndianBytes(crc))
        return bytes
    }

    @discardableResult
    static func append(_ log: Log, _ bytes: [UInt8]) throws -> LogAppendInfo {
        var buffer = ByteBuffer(bytes: bytes)
        return try log.appendAsLeader(&buffer, leaderEpoch: 0)
    }

    @discardableResult
    static func marker(_ log: Log, producerId: Int64, epoch: Int16 = 0, coordinatorEpoch: Int32 = 0, commit: Bool) throws -> Int64 {
        try log.appendEndTxnMarker(
            producerId: producerId, producerEpoch: epoch, coordinatorEpoch: coordinatorEpoch, commit: commit, leaderEpoch: 0
        ).firstOffset
    }

    /// Writes a mix of committed, aborted and open transactions from three producers; with a small segment size
    /// the markers land in several segments. Returns the aborted transactions as the test expects them.
    @discardableResult
    static func writeMix(_ log: Log, rounds: Int) throws -> [AbortedTransaction] {
        var sequences: [Int64: Int32] = [1: 0, 2: 0, 3: 0]
        var aborted: [AbortedTransaction] = []
        func next(_ producer: Int64) throws -> Int64 {
            let info = try append(log, batch(producerId: producer, sequence: sequences[producer]!))
            sequences[producer]! += 3
            return info.firstOffset
        }
        for round in 0..<rounds {
            let first1 = try next(1)
            let first2 = try next(2)
            _ = try next(1)
            // Producer 3 keeps a transaction open across rounds: it holds back the LSO of every abort.
            if round % 3 == 0 { _ = try next(3) }
            let abortAt = try marker(log, producerId: 2, commit: false)
            let open3 = log.producers[3]?.currentTxnFirstOffset
            aborted.append(AbortedTransaction(
                producerId: 2, firstOffset: first2, lastOffset: abortAt,
                lastStableOffset: min(first1, open3 ?? .max)))
            if round % 2 == 0 {
                try marker(log, producerId: 1, commit: true)
            } else {
                let abort1 = try marker(log, producerId: 1, commit: false)
                aborted.append(AbortedTransaction(
                    producerId: 1, firstOffset: first1, lastOffset: abort1, lastStableOffset: open3 ?? abort1 + 1))
            }
            if round % 3 == 2 { try marker(log, producerId: 3, commit: true) }
        }
        return aborted
    }

    /// What a restart must give back: each producer's epoch, last batch and transaction state. The last batch's
    /// timestamp is left out: Kafka's snapshot has one timestamp per producer (of its last batch or marker), which
    /// a load gives the batch too.
    struct ProducerView: Hashable {
        var epoch: Int16
        var lastBatch: BatchMetadata?
        var coordinatorEpoch: Int32
        var currentTxnFirstOffset: Int64?
        var lastTimestamp: Int64
    }

    static func view(_ log: Log) -> [Int64: ProducerView] {
        log.producers.mapValues {
            ProducerView(
                epoch: $0.producerEpoch, lastBatch: $0.batches.last.map { batch in
                    var batch = batch
                    batch.timestamp = 0
                    return batch
                }, coordinatorEpoch: $0.coordinatorEpoch,
                currentTxnFirstOffset: $0.currentTxnFirstOffset, lastTimestamp: $0.lastTimestamp)
        }
    }

    static func txnIndexFiles(_ directory: String) throws -> [String] {
        try TestLogs.fileNames(in: directory).filter { $0.hasSuffix(LogFileNames.txnIndexSuffix) }
    }

    static func snapshotOffsets(_ directory: String) throws -> [Int64] {
        try TestLogs.fileNames(in: directory).filter { $0.hasSuffix(LogFileNames.producerSnapshotSuffix) }
            .compactMap { LogFileNames.offset(fromFileName: $0) }.sorted()
    }
}
