import KafkaProtocol
import Storage

/// ListOffsets' special timestamps.
enum ListOffsetsTimestamp {
    static let latest: Int64 = -1
    static let earliest: Int64 = -2
}

extension ReplicaManager {
    /// The offset for `timestamp` on the leader (Kafka's `fetchOffsetForTimestamp`): latest = high watermark for
    /// consumers (the last stable offset for read_committed ones, log end for followers), earliest = log start,
    /// otherwise the first record at or after the time, if it is below that same bound. nil offset (answered as -1)
    /// when no record is that recent.
    func fetchOffset(
        _ topicPartition: TopicPartition, timestamp: Int64, replicaId: Int32, currentLeaderEpoch: Int32,
        readCommitted: Bool = false
    ) -> Result<(offset: Int64, timestamp: Int64, leaderEpoch: Int32), ErrorCode> {
        let partition: Partition
        switch leaderPartition(topicPartition, currentLeaderEpoch: currentLeaderEpoch) {
        case .failure(let code): return .failure(code)
        case .success(let found): partition = found
        }
        let epoch = partition.leaderEpoch
        let lastFetchable = replicaId >= 0 ? partition.log.logEndOffset
            : readCommitted ? partition.lastStableOffset : partition.highWatermark
        switch timestamp {
        case ListOffsetsTimestamp.latest:
            return .success((lastFetchable, -1, epoch))
        case ListOffsetsTimestamp.earliest:
            return .success((partition.log.logStartOffset, -1, epoch))
        default:
            do {
                guard let found = try partition.log.fetchOffset(byTimestamp: timestamp),
                    found.offset < lastFetchable
                else { return .success((-1, -1, -1)) }
                return .success((found.offset, found.timestamp, epoch))
            } catch {
                logger.error("Offset lookup by timestamp in \(topicPartition) failed: \(error)")
                return .failure((error as? StorageError)?.errorCode ?? .kafkaStorageError)
            }
        }
    }
}
