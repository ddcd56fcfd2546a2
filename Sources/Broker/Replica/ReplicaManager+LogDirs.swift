import KafkaProtocol
import Storage

extension ReplicaManager {
    /// Kafka's `describeLogDirs`: every log dir with the logs of `partitions` (nil: all) in it, each with its size
    /// and offset lag (the high watermark minus the log end, never below 0, for a current log; a future log's lag is
    /// not known while it is copied: -1); a directory that cannot be used answers KAFKA_STORAGE_ERROR.
    func describeLogDirs(_ partitions: Set<TopicPartition>?) -> [DescribeLogDirsResponse.DescribeLogDirsResult] {
        logManager.describeLogDirs().map { dir in
            guard dir.error == nil else {
                return .init(errorCode: ErrorCode.kafkaStorageError.rawValue, logDir: dir.path)
            }
            let wanted = dir.replicas.filter { partitions?.contains($0.topicPartition) ?? true }
            let byTopic = Dictionary(grouping: wanted, by: \.topicPartition.topic)
            return .init(
                errorCode: 0, logDir: dir.path,
                topics: byTopic.keys.sorted().map { topic in
                    .init(name: topic, partitions: (byTopic[topic] ?? []).sorted { $0.topicPartition.partition < $1.topicPartition.partition }.map {
                        .init(
                            partitionIndex: $0.topicPartition.partition, partitionSize: Int64($0.sizeInBytes),
                            offsetLag: offsetLag($0), isFutureKey: $0.isFuture)
                    })
                })
        }
    }

    private func offsetLag(_ replica: LogManager.LogDirDescription.Replica) -> Int64 {
        guard !replica.isFuture, let partition = partition(replica.topicPartition) else { return -1 }
        return max(partition.highWatermark - replica.logEndOffset, 0)
    }

    /// Kafka's `alterReplicaLogDirs` for one partition: LOG_DIR_NOT_FOUND for a directory outside `log.dirs`;
    /// REPLICA_NOT_AVAILABLE when this broker hosts no replica of a known partition (the directory is remembered
    /// for when it does), UNKNOWN_TOPIC_OR_PARTITION for an unknown one; else the move starts in the background
    /// (DescribeLogDirs shows it) and the answer is NONE.
    func alterReplicaLogDir(_ topicPartition: TopicPartition, to logDir: String) -> ErrorCode {
        do {
            guard partition(topicPartition) != nil else {
                try logManager.alterLogDir(topicPartition, to: logDir)
                return metadataCache.contains(topic: topicPartition.topic, partition: topicPartition.partition)
                    ? .replicaNotAvailable : .unknownTopicOrPartition
            }
            guard try logManager.alterLogDir(topicPartition, to: logDir) else { return .replicaNotAvailable }
            return .noError
        } catch {
            logger.warning("Unable to alter log dirs for \(topicPartition): \(error)")
            return error.errorCode
        }
    }
}
