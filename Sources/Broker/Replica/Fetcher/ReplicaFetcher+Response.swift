import KafkaClient
import KafkaProtocol
import NIOCore
import Storage

extension ReplicaFetcher {
    /// A Fetch for every partition that is not paused, each from its fetch offset with this follower's leader epoch
    /// (the leader answers FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH when they differ); nil when none is ready.
    /// Within the leader's fetch session (`FetchSessionHandler`) the request carries only the partitions whose fetch
    /// position changed since the last one, and the partitions no longer fetched; `sent` is every partition fetched,
    /// with where it was fetched from.
    /// Topics in name order, each one's partitions in index order.
    /// A throttled partition that has not caught up is left out while the follower's quota is exceeded (Kafka's
    /// `shouldFollowerThrottle`); when that leaves nothing, the loop waits `replica.fetch.backoff.ms`.
    func buildFetchRequest(now: ContinuousClock.Instant) -> (
        FetchRequest, [TopicPartition: FetchSessionHandler.PartitionData], FetchSessionHandler.Request
    )? {
        let nowMs = clock()
        let maxBytes = configuration.maxBytesPerPartition
        // One pass over what may be thousands of partitions, run before every fetch (also when all are idle), each
        // state read in place (`nextFetch`).
        let fetched = partitions.withLock { partitions in
            var fetched = [TopicPartition: FetchSessionHandler.PartitionData](minimumCapacity: partitions.count)
            var index = partitions.startIndex
            while index != partitions.endIndex {
                defer { partitions.formIndex(after: &index) }
                let tp = partitions.keys[index]
                guard let data = partitions.values[index].nextFetch(tp, at: now, nowMs: nowMs, maxBytes: maxBytes, quota: quota)
                else { continue }
                fetched[tp] = data
            }
            return fetched
        }
        guard !fetched.isEmpty else { return nil }
        let built = session.withLock { $0.build(fetched) }
        var request = FetchRequest()
        request.replicaId = brokerId
        request.maxWaitMs = configuration.maxWaitMs
        request.minBytes = configuration.minBytes
        request.maxBytes = configuration.responseMaxBytes
        request.isolationLevel = 0
        request.sessionId = built.sessionId
        request.sessionEpoch = built.epoch
        request.topics = Self.byTopic(built.toSend).map { name, partitions in
            var topic = FetchRequest.FetchTopic()
            topic.topic = name
            topic.partitions = partitions.map { index, data in
                var partition = FetchRequest.FetchPartition()
                partition.partition = index
                partition.currentLeaderEpoch = data.currentLeaderEpoch
                partition.fetchOffset = data.fetchOffset
                partition.lastFetchedEpoch = -1
                partition.logStartOffset = data.logStartOffset
                partition.partitionMaxBytes = data.maxBytes
                return partition
            }
            return topic
        }
        request.forgottenTopicsData = Self.byTopic(Dictionary(uniqueKeysWithValues: built.forgotten.map { ($0, ()) }))
            .map { name, partitions in FetchRequest.ForgottenTopic(topic: name, partitions: partitions.map(\.0)) }
        return (request, fetched, built)
    }

    /// Topics in name order, each one's partitions in index order: grouping by topic and sorting partition numbers,
    /// not sorting thousands of (topic, partition) pairs by their names.
    private static func byTopic<Value>(_ partitions: [TopicPartition: Value]) -> [(String, [(Int32, Value)])] {
        let grouped = Dictionary(grouping: partitions) { $0.key.topic }
        return grouped.keys.sorted().map { name in
            (name, grouped[name]!.map { ($0.key.partition, $0.value) }.sorted { $0.0 < $1.0 })
        }
    }

    /// Appends what came back, then deals with the errors; on the caller's executor, the fetcher's thread.
    nonisolated(nonsending) func processResponse(
        _ response: FetchResponse, sent: [TopicPartition: FetchSessionHandler.PartitionData], connection: KafkaConnection
    ) async {
        var paused: [TopicPartition] = []
        var appendable: [(TopicPartition, FetchResponse.PartitionData, Int64)] = []
        for topic in response.responses {
            for data in topic.partitions {
                let tp = TopicPartition(topic: topic.topic, partition: data.partitionIndex)
                guard let fetchOffset = sent[tp]?.fetchOffset else { continue }
                let error = ErrorCode(rawValue: data.errorCode)
                switch error {
                case .noError:
                    appendable.append((tp, data, fetchOffset))
                case .offsetOutOfRange:
                    if await !handleOffsetOutOfRange(tp, fetchOffset: fetchOffset, connection: connection) { paused.append(tp) }
                case .notLeaderOrFollower, .unknownTopicOrPartition, .fencedLeaderEpoch, .unknownLeaderEpoch:
                    // The leadership moved or has not reached the leader yet: wait for the controller to tell.
                    logger.debug("Fetch of \(tp) from broker \(source): \(error); waiting for the next LeaderAndIsr")
                    paused.append(tp)
                default:
                    logger.warning("Error fetching \(tp) from broker \(source): \(error)")
                    paused.append(tp)
                }
            }
        }
        for (tp, data, fetchOffset) in appendable where !append(data, to: tp, fetchedAt: fetchOffset) {
            paused.append(tp)
        }
        delay(paused)
    }

    /// Appends one partition's records, if the partition is still fetched from the offset the request asked for
    /// (it may have been removed, or moved to another leader, while the request was out). False on a failure.
    private func append(_ data: FetchResponse.PartitionData, to tp: TopicPartition, fetchedAt fetchOffset: Int64) -> Bool {
        partitions.withLock { partitions in
            guard var state = partitions[tp], state.fetchOffset == fetchOffset else { return true }
            let log = state.partition.log
            guard log.logEndOffset == fetchOffset else {
                logger.warning("Log end of \(tp) is \(log.logEndOffset), not the fetch offset \(fetchOffset); fetching from there")
                state.fetchOffset = log.logEndOffset
                partitions[tp] = state
                return true
            }
            var records = data.records?.buffer ?? ByteBuffer()
            if quota.isThrottled(tp) { quota.record(records.readableBytes, nowMs: clock()) }
            if records.readableBytes > 0 { replicationBytesIn?.increment(by: Int64(records.readableBytes)) }
            do {
                _ = try state.partition.appendRecordsAsFollower(
                    &records, leaderHighWatermark: data.highWatermark, leaderLogStartOffset: data.logStartOffset)
                state.fetchOffset = log.logEndOffset
                state.caughtUp = log.logEndOffset >= data.highWatermark
                partitions[tp] = state
                return true
            } catch StorageError.unexpectedOffset(let first, let logEnd) where first < logEnd {
                // The leader's batch holding our log end starts before it: our tail diverged from the leader's log
                // although truncation by leader epoch found nothing (batches written without an epoch, or a leader
                // that lost data without a new epoch). The leader wins, as in Kafka.
                logger.warning(
                    "The leader's batch at offset \(first) of \(tp) starts inside our log (end \(logEnd)); truncating to \(first) and fetching again")
                do {
                    try state.partition.truncate(to: first)
                } catch {
                    logger.error("Truncating \(tp) to \(first) failed: \(error)")
                    return false
                }
                state.fetchOffset = log.logEndOffset
                partitions[tp] = state
                return true
            } catch {
                logger.error("Appending records of \(tp) fetched from broker \(source) at offset \(fetchOffset) failed: \(error)")
                return false
            }
        }
    }

    /// Kafka's `fetchOffsetAndTruncate`: when the leader's log ends below ours (an unclean election, or our records
    /// past the high watermark were never committed), truncate to its end; when ours ends below its start
    /// (retention ran there while we were away), start over at its start. False when that failed.
    nonisolated(nonsending) private func handleOffsetOutOfRange(_ tp: TopicPartition, fetchOffset: Int64, connection: KafkaConnection) async -> Bool {
        guard let state = partitions.withLock({ $0[tp] }), state.fetchOffset == fetchOffset else { return true }
        do {
            let leaderEnd = try await listOffset(tp, timestamp: -1, leaderEpoch: state.leaderEpoch, connection: connection)
            let leaderStart = try await listOffset(tp, timestamp: -2, leaderEpoch: state.leaderEpoch, connection: connection)
            return try partitions.withLock { partitions in
                guard var current = partitions[tp], current.fetchOffset == fetchOffset else { return true }
                let partition = current.partition
                let localEnd = partition.log.logEndOffset
                if leaderEnd < localEnd {
                    logger.warning(
                        "Truncating \(tp) from log end \(localEnd) to the leader's log end \(leaderEnd) (offset \(fetchOffset) was out of range at broker \(source))")
                    try partition.truncate(to: leaderEnd)
                } else if leaderStart > localEnd {
                    logger.warning(
                        "Local log of \(tp) ends at \(localEnd), before the leader's log start \(leaderStart): starting over there")
                    try partition.truncateFullyAndStart(at: leaderStart)
                }
                current.fetchOffset = partition.log.logEndOffset
                partitions[tp] = current
                return true
            }
        } catch {
            logger.warning("Resolving the out-of-range fetch offset \(fetchOffset) of \(tp) with broker \(source) failed: \(error)")
            return false
        }
    }

    /// ListOffsets as this replica: latest (-1) is the leader's log end, earliest (-2) its log start.
    nonisolated(nonsending) private func listOffset(
        _ tp: TopicPartition, timestamp: Int64, leaderEpoch: Int32, connection: KafkaConnection
    ) async throws -> Int64 {
        var partition = ListOffsetsRequest.ListOffsetsPartition()
        partition.partitionIndex = tp.partition
        partition.currentLeaderEpoch = leaderEpoch
        partition.timestamp = timestamp
        var topic = ListOffsetsRequest.ListOffsetsTopic()
        topic.name = tp.topic
        topic.partitions = [partition]
        var request = ListOffsetsRequest()
        request.replicaId = brokerId
        request.topics = [topic]
        let response = try await connection.send(request, version: Self.listOffsetsVersion, timeout: configuration.socketTimeout)
        guard let answer = response.topics.first(where: { $0.name == tp.topic })?.partitions.first(where: { $0.partitionIndex == tp.partition })
        else { throw KafkaClientError.decodingFailed(api: .listOffsets, version: Self.listOffsetsVersion, reason: "no answer for \(tp)") }
        let error = ErrorCode(rawValue: answer.errorCode)
        guard error == .noError else { throw KafkaClientError.broker(error, context: "ListOffsets for \(tp)", message: nil) }
        return answer.offset
    }
}
