import KafkaProtocol
import Storage

/// One partition of a fetch request.
struct FetchPartitionRequest: Sendable, Equatable {
    var topicPartition: TopicPartition
    var fetchOffset: Int64
    var maxBytes: Int
    var currentLeaderEpoch: Int32 = -1
    /// A follower's log start offset (v5+), which DeleteRecords on the leader waits for; -1 from consumers.
    var logStartOffset: Int64 = -1
}

/// One partition's answer: whole batches as a file range, and the partition's offsets at read time.
struct FetchPartitionResult: Sendable {
    var topicPartition: TopicPartition
    var errorCode: ErrorCode
    var highWatermark: Int64 = -1
    /// The last stable offset (read_committed consumers read up to it), -1 when not answered by a leader.
    var lastStableOffset: Int64 = -1
    var logStartOffset: Int64 = -1
    var records: FileSlice?
    /// read_committed only: the aborted transactions of the range read, so the consumer can drop their records.
    var abortedTransactions: [AbortedTransaction]?

    var bytes: Int { records?.count ?? 0 }
}

/// What a fetch asks for as a whole.
struct FetchParameters: Sendable {
    /// -1 for consumers; a broker id for followers (read up to the log end instead of the high watermark).
    var replicaId: Int32
    var maxWait: Duration
    var minBytes: Int
    var maxBytes: Int
    /// Consumers with `isolation_level = 1` (READ_COMMITTED) read only up to the last stable offset.
    var readCommitted = false
}

extension ReplicaManager {
    /// Reads now, and if fewer than `minBytes` are there (and no partition failed), parks until an append to one
    /// of the partitions, then reads again, until `maxWait` is over (Kafka's DelayedFetch). A follower's fetch
    /// parks on its broker id (`followerActivity`), a consumer's on its partitions.
    ///
    /// A fetch that found nothing and saw no activity on its partitions while parked answers with what it found
    /// instead of reading every partition again: an idle follower's fetch of thousands of partitions then costs
    /// one pass, not two.
    func fetchMessages(_ parameters: FetchParameters, partitions: [FetchPartitionRequest]) async -> [FetchPartitionResult] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: parameters.maxWait)
        var wake = FetchWake(self, parameters: parameters, partitions: partitions)
        // Read in place, as Kafka's request handler threads do: a read only looks up the index and the batch
        // headers around the range (the records go out later with sendfile), nearly always in the page cache,
        // so a hop to the I/O threads and back would cost a fetch more in two thread switches than it saves.
        var results = readFromLocalLog(parameters, partitions: partitions)
        while true {
            let available = results.reduce(0) { $0 + $1.bytes }
            let failed = results.contains { $0.errorCode != .noError }
            let remaining = deadline - clock.now
            if available >= parameters.minBytes || failed || partitions.isEmpty || remaining <= .zero || Task.isCancelled {
                if parameters.replicaId >= 0 { recordThrottledBytes(results) }
                recordBytesOut(results, follower: parameters.replicaId >= 0)
                return results
            }
            await RequestTrace.remote { await wake.wait(timeout: remaining) }
            if available == 0, !wake.hasChanged { continue }
            wake.renew()
            results = readFromLocalLog(parameters, partitions: partitions)
        }
    }

    /// After an append to `partition` as its leader: wakes the parked fetches of its followers.
    func notifyFollowers(of partition: Partition) {
        for replica in partition.replicas where replica != localBrokerId { followerActivity.notify(replica) }
    }

    /// One pass over the partitions in request order, honouring the per-partition and total byte limits; only the
    /// first partition that has data may exceed them, by returning its first batch whole (KIP-74).
    func readFromLocalLog(_ parameters: FetchParameters, partitions: [FetchPartitionRequest]) -> [FetchPartitionResult] {
        var remainingBytes = max(0, parameters.maxBytes)
        var minOneBatch = true
        var results: [FetchPartitionResult] = []
        results.reserveCapacity(partitions.count)
        // Asked once per pass, not per partition: a follower's fetch may name thousands.
        let followerAlive = parameters.replicaId >= 0 && isAliveReplica(parameters.replicaId, fetching: partitions.count)
        let nowMs = clock()
        for request in partitions {
            var result = read(
                request, replicaId: parameters.replicaId, followerAlive: followerAlive, nowMs: nowMs,
                readCommitted: parameters.readCommitted,
                maxBytes: min(max(0, request.maxBytes), remainingBytes), minOneBatch: minOneBatch)
            if result.bytes > 0 {
                minOneBatch = false
                remainingBytes = max(0, remainingBytes - result.bytes)
            }
            if result.errorCode != .noError { result.records = nil }
            results.append(result)
        }
        return results
    }

    /// Whether a fetch as replica `replicaId` comes from a live broker, as the controller last said. A client
    /// claiming a `replica_id` must not move the high watermark, so such a fetch gets no records (as in Kafka).
    /// Until brokers authenticate (CLUSTER_ACTION), a client naming a live replica is believed.
    private func isAliveReplica(_ replicaId: Int32, fetching count: Int) -> Bool {
        guard metadataCache.aliveBroker(replicaId) != nil else {
            logger.warning("Fetch of \(count) partition(s) as replica \(replicaId), which is not a live broker; returning no records")
            return false
        }
        return true
    }

    /// A follower's read takes three locks of the partition's (leadership, log, follower state), asked once each:
    /// an idle follower's fetch reads thousands of partitions twice a second.
    private func read(
        _ request: FetchPartitionRequest, replicaId: Int32, followerAlive: Bool, nowMs: Int64, readCommitted: Bool,
        maxBytes: Int, minOneBatch: Bool
    ) -> FetchPartitionResult {
        let topicPartition = request.topicPartition
        let partition: Partition
        switch leaderPartition(topicPartition, currentLeaderEpoch: request.currentLeaderEpoch) {
        case .failure(let code): return FetchPartitionResult(topicPartition: topicPartition, errorCode: code)
        case .success(let found): partition = found
        }
        do {
            guard replicaId >= 0 else {
                let highWatermark = partition.highWatermark
                let lastStableOffset = partition.lastStableOffset
                let info = try partition.log.read(
                    from: request.fetchOffset, maxBytes: maxBytes, upTo: readCommitted ? lastStableOffset : highWatermark,
                    minOneBatch: minOneBatch)
                // Kafka's upper bound is the end of what was read; the last stable offset bounds it and can only
                // add transactions the consumer will not meet, which it ignores.
                let aborted =
                    readCommitted && (info.records?.count ?? 0) > 0
                    ? try partition.log.collectAbortedTransactions(from: request.fetchOffset, upTo: lastStableOffset) : nil
                return FetchPartitionResult(
                    topicPartition: topicPartition, errorCode: .noError, highWatermark: highWatermark,
                    lastStableOffset: lastStableOffset, logStartOffset: info.logStartOffset, records: info.records,
                    abortedTransactions: readCommitted ? (aborted ?? []) : nil)
            }
            let info = try partition.log.read(from: request.fetchOffset, maxBytes: maxBytes, minOneBatch: minOneBatch)
            // The high watermark after this fetch counted, so the follower learns it one round earlier.
            guard followerAlive,
                let highWatermark = updateFollowerFetchState(
                    partition, replicaId: replicaId, fetchOffset: request.fetchOffset,
                    leaderLogEndOffset: info.logEndOffset, nowMs: nowMs, followerLogStartOffset: request.logStartOffset)
            else {
                return FetchPartitionResult(
                    topicPartition: topicPartition, errorCode: .noError, highWatermark: partition.highWatermark,
                    logStartOffset: info.logStartOffset)
            }
            // Kafka's shouldLeaderThrottle: a catching-up follower of a throttled partition gets no records while
            // the leader's quota is exceeded; an in-sync follower always gets them.
            let throttled = leaderQuota.shouldThrottle(
                topicPartition, replicaInSync: partition.isInSync(replicaId), nowMs: nowMs)
            return FetchPartitionResult(
                topicPartition: topicPartition, errorCode: .noError, highWatermark: highWatermark,
                logStartOffset: info.logStartOffset, records: throttled ? nil : info.records)
        } catch let error as StorageError {
            if case .offsetOutOfRange = error {
                logger.debug("Fetch of \(topicPartition) from \(request.fetchOffset): \(error)")
            } else {
                logger.error("Reading \(topicPartition) failed: \(error)")
            }
            return FetchPartitionResult(
                topicPartition: topicPartition, errorCode: error.errorCode, highWatermark: partition.highWatermark,
                logStartOffset: partition.log.logStartOffset)
        } catch {
            return FetchPartitionResult(topicPartition: topicPartition, errorCode: .kafkaStorageError)
        }
    }
}

extension ReplicaManager {
    /// Kafka's BytesOutPerSec and fetch request meters for consumers, ReplicationBytesOutPerSec for followers.
    private func recordBytesOut(_ results: [FetchPartitionResult], follower: Bool) {
        let stats = metrics.topics
        for result in results {
            if follower {
                if result.bytes > 0 { stats.replicationBytesOut.increment(by: Int64(result.bytes)) }
            } else if result.errorCode != .unknownTopicOrPartition {
                stats.recordConsumerFetch(topic: result.topicPartition.topic, bytes: result.bytes, failed: result.errorCode != .noError)
            }
        }
    }

    /// Counts what a follower fetch returns for throttled partitions against the leader's quota, in-sync followers
    /// included, as Kafka's `sizeOfThrottledPartitions` does.
    private func recordThrottledBytes(_ results: [FetchPartitionResult]) {
        let bytes = results.reduce(0) { $0 + (leaderQuota.isThrottled($1.topicPartition) ? $1.bytes : 0) }
        leaderQuota.record(bytes, nowMs: clock())
    }

    /// A fetch at `fetchOffset` by a live follower (`isAliveReplica`) tells the leader that follower's log end
    /// (Kafka's `updateFollowerFetchState`): the high watermark may move, which completes delayed produces and
    /// fetches, and the follower may rejoin the ISR. Returns the high watermark after it; nil for a broker that is
    /// not an assigned replica (it gets no records, as in Kafka).
    func updateFollowerFetchState(
        _ partition: Partition, replicaId: Int32, fetchOffset: Int64, leaderLogEndOffset: Int64, nowMs: Int64,
        followerLogStartOffset: Int64 = -1
    ) -> Int64? {
        let (outcome, highWatermark) = partition.updateFollowerFetchState(
            replicaId: replicaId, fetchOffset: fetchOffset, leaderLogEndOffset: leaderLogEndOffset, nowMs: nowMs,
            followerLogStartOffset: followerLogStartOffset)
        guard outcome.recognized else {
            logger.warning(
                "Broker \(replicaId) fetched \(partition.topicPartition) but is not one of its replicas \(partition.leaderState.replicas); returning no records")
            return nil
        }
        if outcome.highWatermarkIncreased { partition.log.onHighWatermarkUpdated(highWatermark) }
        if outcome.highWatermarkIncreased || outcome.logStartOffsetChanged { activity.notify(partition.topicPartition) }
        if let expansion = outcome.isrExpansion { submitIsrChange(expansion, for: partition) }
        return highWatermark
    }
}

/// What a parked fetch waits on: a follower's on its broker id, a consumer's on each of its partitions. Renewed
/// (taken again) before each read, so that a change during the read is not missed.
private struct FetchWake {
    private enum Token {
        case follower(ActivitySignal<Int32>, ActivitySignal<Int32>.Token)
        case partitions(PartitionActivity, PartitionActivity.Token)
    }

    private var token: Token

    init(_ replicaManager: ReplicaManager, parameters: FetchParameters, partitions: [FetchPartitionRequest]) {
        if parameters.replicaId >= 0 {
            let signal = replicaManager.followerActivity
            token = .follower(signal, signal.token(for: [parameters.replicaId]))
        } else {
            let signal = replicaManager.activity
            token = .partitions(signal, signal.token(for: partitions.map(\.topicPartition)))
        }
    }

    func wait(timeout: Duration) async {
        switch token {
        case .follower(let signal, let token): await signal.wait(token, timeout: timeout)
        case .partitions(let signal, let token): await signal.wait(token, timeout: timeout)
        }
    }

    var hasChanged: Bool {
        switch token {
        case .follower(let signal, let token): signal.hasChanged(since: token)
        case .partitions(let signal, let token): signal.hasChanged(since: token)
        }
    }

    mutating func renew() {
        switch token {
        case .follower(let signal, let token): self.token = .follower(signal, signal.token(renewing: token))
        case .partitions(let signal, let token): self.token = .partitions(signal, signal.token(renewing: token))
        }
    }
}
