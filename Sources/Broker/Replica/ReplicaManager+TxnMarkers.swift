import KafkaProtocol
import Storage

/// One WriteTxnMarkers entry: a transaction's outcome for some partitions of this broker.
struct EndTxnMarkerAppend: Sendable, Hashable {
    var producerId: Int64
    var producerEpoch: Int16
    var coordinatorEpoch: Int32
    var commit: Bool
}

extension ReplicaManager {
    /// Writes a transaction's marker into each partition this broker leads and waits, as Kafka's WriteTxnMarkers
    /// handler does (`requiredAcks = -1`), until the in-sync replicas have it or `timeout` passes: the coordinator
    /// may only complete the transaction once the markers cannot be lost. One error per partition.
    func appendEndTxnMarkers(
        _ marker: EndTxnMarkerAppend, partitions: [TopicPartition], timeout: Duration
    ) async -> [TopicPartition: ErrorCode] {
        let (appended, replicating) = await onIOThread { [self] in appendMarkersToLeaders(marker, partitions: partitions) }
        var results = appended
        if !replicating.isEmpty {
            for (topicPartition, outcome) in await waitForReplication(replicating, timeout: timeout) {
                results[topicPartition] = outcome.errorCode
            }
        }
        return results
    }

    private func appendMarkersToLeaders(
        _ marker: EndTxnMarkerAppend, partitions: [TopicPartition]
    ) -> ([TopicPartition: ErrorCode], [DelayedProduceEntry]) {
        var results: [TopicPartition: ErrorCode] = [:]
        var replicating: [DelayedProduceEntry] = []
        for topicPartition in partitions {
            switch leaderPartition(topicPartition) {
            case .failure(let code):
                results[topicPartition] = code
            case .success(let partition):
                do throws(PartitionError) {
                    let info = try partition.appendEndTxnMarker(
                        producerId: marker.producerId, producerEpoch: marker.producerEpoch,
                        coordinatorEpoch: marker.coordinatorEpoch, commit: marker.commit)
                    results[topicPartition] = .noError
                    // The marker moves the last stable offset: parked read_committed fetches look again.
                    activity.notify(topicPartition)
                    notifyFollowers(of: partition)
                    replicating.append(DelayedProduceEntry(partition: partition, requiredOffset: info.lastOffset + 1))
                } catch {
                    logger.info(
                        "Writing the \(marker.commit ? "COMMIT" : "ABORT") marker of producer \(marker.producerId) to \(topicPartition) failed: \(error)")
                    results[topicPartition] = error.errorCode
                }
            }
        }
        return (results, replicating)
    }
}
