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
    /// Appends each partition's records on this broker as leader (Kafka's `appendRecords`). acks=all needs no
    /// delay while a leader is alone in its ISR (its high watermark is its log end); the DelayedProduce that waits
    /// for followers belongs to replication.
    func appendRecords(
        requiredAcks: Int16, entries: [(TopicPartition, ByteBuffer)], minInsyncReplicas: (String) -> Int
    ) -> [TopicPartition: ProducePartitionResult] {
        var results: [TopicPartition: ProducePartitionResult] = [:]
        for (topicPartition, buffer) in entries {
            var records = buffer
            switch leaderPartition(topicPartition) {
            case .failure(let code):
                results[topicPartition] = ProducePartitionResult(errorCode: code)
            case .success(let partition):
                do throws(PartitionError) {
                    let info = try partition.appendRecordsToLeader(
                        &records, requiredAcks: requiredAcks, minInsyncReplicas: minInsyncReplicas(topicPartition.topic))
                    results[topicPartition] = ProducePartitionResult(
                        errorCode: .noError, baseOffset: info.firstOffset, logAppendTimeMs: info.logAppendTimeMs,
                        logStartOffset: info.logStartOffset)
                    activity.notify(topicPartition)
                } catch {
                    if case .storage(.io) = error {
                        logger.error("Append to \(topicPartition) failed: \(error)")
                    } else {
                        logger.info("Error processing append operation on partition \(topicPartition): \(error)")
                    }
                    results[topicPartition] = ProducePartitionResult(errorCode: error.errorCode, errorMessage: error.description)
                }
            }
        }
        return results
    }
}
