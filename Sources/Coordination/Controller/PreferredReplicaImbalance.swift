import KafkaProtocol

/// Kafka's `checkAndTriggerAutoLeaderRebalance`, as a pure function of the controller's context: for every broker,
/// the share of the partitions it is the preferred replica (first assigned) of that another broker leads; above
/// `leader.imbalance.per.broker.percentage`, the partitions whose preferred replica can lead again (alive, in the
/// ISR, not shutting down) go back to it.
enum PreferredReplicaImbalance {
    /// The partitions a preferred-replica election should move, sorted.
    static func partitionsToRebalance(_ context: ControllerContext, imbalancePerBrokerPercentage: Int) -> [TopicPartition] {
        var byPreferred: [Int32: [TopicPartition]] = [:]
        for partition in context.allPartitions where !context.isTopicQueuedForDeletion(partition.topic) {
            guard let preferred = context.replicas(partition).first else { continue }
            byPreferred[preferred, default: []].append(partition)
        }
        var candidates: [TopicPartition] = []
        for (preferred, partitions) in byPreferred {
            let notLed = partitions.filter { partition in
                context.leadership[partition].map { $0.leaderAndIsr.leader != preferred } ?? false
            }
            // ratio > percentage / 100, in integers.
            guard !notLed.isEmpty, notLed.count * 100 > imbalancePerBrokerPercentage * partitions.count else { continue }
            candidates += notLed.filter { partition in
                guard let state = context.leadership[partition] else { return false }
                return PartitionLeaderElection.leaderForPreferredReplica(
                    current: state.leaderAndIsr, assignment: context.replicas(partition),
                    live: context.onlineReplicas(partition)) != nil
            }
        }
        return candidates.sorted()
    }
}
