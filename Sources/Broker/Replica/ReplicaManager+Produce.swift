import KafkaProtocol
import NIOCore
import Storage

/// One partition's outcome of a produce request.
struct ProducePartitionResult: Sendable {
    var errorCode: ErrorCode
    var errorMessage: String?
    var baseOffset: Int64 = -1
    var logAppendTimeMs: Int64 = -1
    var logStartOffset: Int64 = -1
}

extension ReplicaManager {
    /// Appends each partition's records on this broker as leader (Kafka's `appendRecords`). acks 0 and 1 are done
    /// once the leader has written; acks=all then waits, as Kafka's DelayedProduce, until the high watermark passes
    /// each partition's last offset, i.e. every ISR member has the records, or `timeout` passes.
    ///
    /// With a `turn`, the appends start only after the connection's earlier produce requests have appended, and the
    /// turn is finished as soon as these have (before waiting for replication).
    func appendRecords(
        requiredAcks: Int16, timeout: Duration, entries: [(TopicPartition, ByteBuffer)], turn: AppendTurn? = nil
    ) async -> [TopicPartition: ProducePartitionResult] {
        await turn?.waitForPredecessor()
        var (results, replicating) = await onIOThread { [self] in appendToLeaders(requiredAcks: requiredAcks, entries: entries) }
        turn?.finish()
        if !replicating.isEmpty {
            for (topicPartition, outcome) in await waitForReplication(replicating, timeout: timeout) {
                results[topicPartition] = outcome
            }
        }
        return results
    }

    /// The synchronous half of `appendRecords`: each partition's append, on an I/O thread.
    private func appendToLeaders(
        requiredAcks: Int16, entries: [(TopicPartition, ByteBuffer)]
    ) -> ([TopicPartition: ProducePartitionResult], [DelayedProduceEntry]) {
        var results: [TopicPartition: ProducePartitionResult] = [:]
        var replicating: [DelayedProduceEntry] = []
        for (topicPartition, buffer) in entries {
            var records = buffer
            switch leaderPartition(topicPartition) {
            case .failure(let code):
                results[topicPartition] = ProducePartitionResult(errorCode: code)
            case .success(let partition):
                let bytes = records.readableBytes
                do throws(PartitionError) {
                    let info = try partition.appendRecordsToLeader(&records, requiredAcks: requiredAcks)
                    // Offsets are dense within a producer's batches: the count needs no record decoding.
                    metrics.topics.recordProduce(
                        topic: topicPartition.topic, records: info.isDuplicate ? 0 : info.lastOffset - info.firstOffset + 1,
                        bytes: info.isDuplicate ? 0 : bytes)
                    results[topicPartition] = ProducePartitionResult(
                        errorCode: .noError, baseOffset: info.firstOffset, logAppendTimeMs: info.logAppendTimeMs,
                        logStartOffset: info.logStartOffset)
                    activity.notify(topicPartition)
                    notifyFollowers(of: partition)
                    if requiredAcks == -1 {
                        replicating.append(DelayedProduceEntry(partition: partition, requiredOffset: info.lastOffset + 1))
                    }
                } catch {
                    metrics.topics.recordProduce(topic: topicPartition.topic, records: nil, bytes: bytes)
                    if case .storage(.io) = error {
                        logger.error("Append to \(topicPartition) failed: \(error)")
                    } else {
                        logger.info("Error processing append operation on partition \(topicPartition): \(error)")
                    }
                    results[topicPartition] = ProducePartitionResult(errorCode: error.errorCode, errorMessage: error.description)
                }
            }
        }
        return (results, replicating)
    }

    struct DelayedProduceEntry: Sendable {
        var partition: Partition
        var requiredOffset: Int64
    }

    /// Kafka's DelayedProduce: re-checks each partition whenever it changes (high watermark, ISR, leadership) until
    /// all are done or the timeout passes (REQUEST_TIMED_OUT for those still waiting). Returns the failures only.
    func waitForReplication(
        _ entries: [DelayedProduceEntry], timeout: Duration
    ) async -> [TopicPartition: ProducePartitionResult] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var failed: [TopicPartition: ProducePartitionResult] = [:]
        var pending = entries
        while true {
            let token = activity.token(for: pending.map(\.partition.topicPartition))
            pending = pending.filter { entry in
                let (done, error) = entry.partition.checkEnoughReplicasReachOffset(entry.requiredOffset)
                if done, error != .noError {
                    failed[entry.partition.topicPartition] = ProducePartitionResult(
                        errorCode: error, errorMessage: Self.delayedProduceMessage(error, entry.partition))
                }
                return !done
            }
            let remaining = deadline - clock.now
            if pending.isEmpty || remaining <= .zero || Task.isCancelled { break }
            await RequestTrace.remote { await activity.wait(token, timeout: remaining) }
        }
        for entry in pending {
            let tp = entry.partition.topicPartition
            logger.debug("acks=all produce to \(tp) timed out waiting for the ISR to reach offset \(entry.requiredOffset)")
            failed[tp] = ProducePartitionResult(
                errorCode: .requestTimedOut,
                errorMessage: "The in-sync replicas did not all reach offset \(entry.requiredOffset) within the request's timeout")
        }
        return failed
    }

    private static func delayedProduceMessage(_ error: ErrorCode, _ partition: Partition) -> String {
        switch error {
        case .notEnoughReplicasAfterAppend:
            "The records were written, but the in-sync replica set shrank below min.insync.replicas = \(partition.minInsyncReplicas)"
        default:
            "This broker stopped leading \(partition.topicPartition) before the records were replicated"
        }
    }
}
