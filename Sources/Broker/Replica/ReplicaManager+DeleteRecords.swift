import KafkaProtocol
import Storage

/// One partition's outcome of a DeleteRecords request.
struct DeleteRecordsPartitionResult: Sendable, Equatable {
    var errorCode: ErrorCode
    /// The partition's low watermark (its lowest log start offset among live replicas); -1 on an error.
    var lowWatermark: Int64 = -1
}

extension ReplicaManager {
    /// Kafka's `ReplicaManager.deleteRecords`: each partition's leader moves its log start offset (its whole
    /// segments below it go now), then, as Kafka's DelayedDeleteRecords, the request waits until every live
    /// replica's log start offset has followed (followers learn it from their fetches and report theirs in the next
    /// one), or `timeout` passes (REQUEST_TIMED_OUT for the partitions still waiting, with the low watermark they had).
    func deleteRecords(timeout: Duration, offsets: [TopicPartition: Int64]) async -> [TopicPartition: DeleteRecordsPartitionResult] {
        let local = await onIOThread { [self] in deleteRecordsOnLocalLogs(offsets) }
        var results = local.mapValues(\.result)
        var pending = local.compactMapValues { outcome -> (Partition, Int64)? in
            guard let partition = outcome.partition, outcome.result.lowWatermark < outcome.requestedOffset else { return nil }
            return (partition, outcome.requestedOffset)
        }
        if local.values.contains(where: { $0.partition != nil }) {
            // Durable at once rather than at the next log.flush.start.offset.checkpoint.interval.ms: a restart must
            // not bring deleted records back.
            await onIOThread { [self] in
                do {
                    try logManager.checkpointLogStartOffsets()
                } catch {
                    logger.error("Writing the log start offset checkpoint after DeleteRecords failed: \(error)")
                }
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !pending.isEmpty {
            let token = activity.token(for: Array(pending.keys))
            for (tp, (partition, requiredOffset)) in pending {
                guard let low = partition.lowWatermarkIfLeader(isAlive: isAliveBroker) else {
                    results[tp] = DeleteRecordsPartitionResult(errorCode: .notLeaderOrFollower)
                    pending[tp] = nil
                    continue
                }
                if low >= requiredOffset {
                    results[tp] = DeleteRecordsPartitionResult(errorCode: .noError, lowWatermark: low)
                    pending[tp] = nil
                }
            }
            let remaining = deadline - clock.now
            if pending.isEmpty || remaining <= .zero || Task.isCancelled { break }
            await activity.wait(token, timeout: remaining)
        }
        for tp in pending.keys {
            results[tp]?.errorCode = .requestTimedOut
        }
        return results
    }

    private func isAliveBroker(_ id: Int32) -> Bool { metadataCache.aliveBroker(id) != nil }

    private struct LocalDeleteRecords: Sendable {
        var result: DeleteRecordsPartitionResult
        var requestedOffset: Int64 = -1
        /// The partition when its leader moved the log start: the one to wait on.
        var partition: Partition?
    }

    /// Kafka's `deleteRecordsOnLocalLog`, on an I/O thread.
    private func deleteRecordsOnLocalLogs(_ offsets: [TopicPartition: Int64]) -> [TopicPartition: LocalDeleteRecords] {
        var results: [TopicPartition: LocalDeleteRecords] = [:]
        for (tp, offset) in offsets {
            let partition: Partition
            switch leaderPartition(tp) {
            case .failure(let code):
                results[tp] = LocalDeleteRecords(result: .init(errorCode: code))
                continue
            case .success(let found): partition = found
            }
            do throws(PartitionError) {
                let requested = try partition.deleteRecordsOnLeader(offset).requestedOffset
                do {
                    try partition.log.deleteSegmentsBelowLogStart()
                } catch {
                    logger.error("Deleting the segments of \(tp) below its log start offset failed: \(error)")
                }
                let low = partition.lowWatermarkIfLeader(isAlive: isAliveBroker) ?? partition.log.logStartOffset
                results[tp] = LocalDeleteRecords(
                    result: .init(errorCode: .noError, lowWatermark: low), requestedOffset: requested, partition: partition)
            } catch {
                logger.info("DeleteRecords on \(tp) at offset \(offset) refused: \(error)")
                results[tp] = LocalDeleteRecords(result: .init(errorCode: error.errorCode))
            }
        }
        return results
    }
}
