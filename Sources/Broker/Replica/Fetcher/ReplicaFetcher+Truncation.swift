import KafkaProtocol
import Storage

extension ReplicaFetcher {
    /// OffsetForLeaderEpoch for every ready partition in the truncating state that has a leader epoch, asking where
    /// its latest epoch ends at the leader; partitions whose log has no epoch (an empty log) need no truncation
    /// and start fetching at once. Nil when none is left to ask about.
    func buildOffsetForLeaderEpochRequest(now: ContinuousClock.Instant) -> (OffsetForLeaderEpochRequest, [TopicPartition: Int32])? {
        let asking: [(TopicPartition, PartitionFetchState, Int32)] = partitions.withLock { partitions in
            var asking: [(TopicPartition, PartitionFetchState, Int32)] = []
            // Called before every fetch: once no partition is truncating, until partitions are added, nothing is
            // scanned; otherwise only the few truncating partitions are sorted, not all that are followed.
            guard mayBeTruncating.load(ordering: .relaxed) else { return asking }
            var truncating: [(key: TopicPartition, value: PartitionFetchState)] = []
            var anyTruncating = false
            for entry in partitions where entry.value.truncating {
                anyTruncating = true
                if entry.value.isReady(at: now) { truncating.append(entry) }
            }
            if !anyTruncating { mayBeTruncating.store(false, ordering: .relaxed) }
            for (tp, state) in truncating.sorted(by: { $0.key < $1.key }) {
                if let epoch = state.partition.log.latestEpoch {
                    asking.append((tp, state, epoch))
                } else {
                    var fetching = state
                    fetching.truncating = false
                    fetching.fetchOffset = state.partition.log.logEndOffset
                    partitions[tp] = fetching
                }
            }
            return asking
        }
        guard !asking.isEmpty else { return nil }
        var request = OffsetForLeaderEpochRequest()
        request.replicaId = brokerId
        var sent: [TopicPartition: Int32] = [:]
        for (tp, state, epoch) in asking {
            var partition = OffsetForLeaderEpochRequest.OffsetForLeaderPartition()
            partition.partition = tp.partition
            partition.currentLeaderEpoch = state.leaderEpoch
            partition.leaderEpoch = epoch
            if request.topics.last?.topic == tp.topic {
                request.topics[request.topics.count - 1].partitions.append(partition)
            } else {
                var topic = OffsetForLeaderEpochRequest.OffsetForLeaderTopic()
                topic.topic = tp.topic
                topic.partitions = [partition]
                request.topics.append(topic)
            }
            sent[tp] = state.leaderEpoch
        }
        return (request, sent)
    }

    /// Truncates each partition the leader answered for, under the partitions lock (no append can interleave), if
    /// it is still truncating under the leader epoch the request carried.
    func processEpochEndOffsets(_ response: OffsetForLeaderEpochResponse, sent: [TopicPartition: Int32]) {
        var paused: [TopicPartition] = []
        var unanswered = Set(sent.keys)
        partitions.withLock { partitions in
            for topic in response.topics {
                for answer in topic.partitions {
                    let tp = TopicPartition(topic: topic.topic, partition: answer.partition)
                    unanswered.remove(tp)
                    guard let sentEpoch = sent[tp], var state = partitions[tp], state.truncating,
                        state.leaderEpoch == sentEpoch
                    else { continue }
                    let error = ErrorCode(rawValue: answer.errorCode)
                    guard error == .noError else {
                        logger.debug("OffsetForLeaderEpoch of \(tp) at broker \(source): \(error); asking again later")
                        paused.append(tp)
                        continue
                    }
                    let log = state.partition.log
                    let logEnd = log.logEndOffset
                    let decision = EpochTruncation.decide(
                        leaderEpoch: answer.leaderEpoch, leaderEndOffset: answer.endOffset, logEndOffset: logEnd,
                        localEndOffset: { log.endOffset(forEpoch: $0) })
                    if decision.offset < logEnd {
                        logger.info(
                            "Truncating \(tp) from log end \(logEnd) to \(decision.offset): the leader's epoch \(answer.leaderEpoch) ends at \(answer.endOffset)")
                        do {
                            try state.partition.truncate(to: decision.offset)
                        } catch {
                            logger.error("Truncating \(tp) to \(decision.offset) failed: \(error)")
                            paused.append(tp)
                            continue
                        }
                    }
                    state.fetchOffset = log.logEndOffset
                    state.truncating = !decision.completed
                    partitions[tp] = state
                }
            }
        }
        delay(paused + unanswered)
    }
}
