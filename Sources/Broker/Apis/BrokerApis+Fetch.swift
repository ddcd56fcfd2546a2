import KafkaProtocol
import NIOCore
import Storage

extension BrokerApis {
    /// Kafka's `handleFetchRequest`: reads each partition (whole batches, KIP-74 limits), parks in the purgatory
    /// while fewer than `min_bytes` are there, and answers with the records as file regions (sendfile) or copies,
    /// per `zero.copy.fetch.enable` (always copies on TLS connections).
    ///
    /// Fetch sessions (KIP-227, v7+; `FetchSessionCache`): a full fetch with epoch 0 opens one; an incremental fetch
    /// reads every partition of its session and answers only those with something new.
    ///
    /// Authorization as Kafka's: a follower (replica id >= 0) needs CLUSTER_ACTION on the cluster, else every
    /// partition is TOPIC_AUTHORIZATION_FAILED; a consumer needs READ on each topic, else that topic's partitions
    /// are. Refused partitions are not read.
    func fetch(_ request: FetchRequest, _ context: RequestContext) async -> FetchResponse {
        let isFollower = request.replicaId >= 0
        RequestTrace.current?.identifyFetch(fromFollower: isFollower)
        let requested = request.topics.flatMap { topic in
            topic.partitions.map {
                FetchPartitionRequest(
                    topicPartition: TopicPartition(topic: topic.topic, partition: $0.partition), fetchOffset: $0.fetchOffset,
                    maxBytes: Int(max(0, $0.partitionMaxBytes)), currentLeaderEpoch: $0.currentLeaderEpoch,
                    logStartOffset: $0.logStartOffset)
            }
        }
        let forgotten = request.forgottenTopicsData.flatMap { topic in
            topic.partitions.map { TopicPartition(topic: topic.topic, partition: $0) }
        }
        let session = fetchSessions.newContext(
            sessionId: request.sessionId, epoch: request.sessionEpoch, requested: requested, forgotten: forgotten)
        let partitions: [FetchPartitionRequest]
        switch session {
        case .error(let code): return FetchResponse(errorCode: code.rawValue, sessionId: 0)
        case .sessionless, .full: partitions = requested
        case .incremental(_, let all): partitions = all
        }
        let auth = authorizer(context)
        var parameters = FetchParameters(request, fetchMaxBytes: settings.fetchMaxBytes)
        parameters.readCommitted = !isFollower && request.isolationLevel == 1
        var results: [FetchPartitionResult]
        if isFollower {
            // All or nothing, asked once: a follower's fetch names thousands of partitions.
            results =
                auth.authorizeCluster(.clusterAction)
                ? await replicaManager.fetchMessages(parameters, partitions: partitions)
                : partitions.map { FetchPartitionResult(topicPartition: $0.topicPartition, errorCode: .topicAuthorizationFailed) }
        } else {
            let readable = auth.filterByAuthorized(.read, .topic, partitions.map(\.topicPartition.topic))
            var read = await replicaManager.fetchMessages(
                parameters, partitions: partitions.filter { readable.contains($0.topicPartition.topic) })[...]
            results = partitions.map { partition in
                readable.contains(partition.topicPartition.topic)
                    ? read.removeFirst()
                    : FetchPartitionResult(topicPartition: partition.topicPartition, errorCode: .topicAuthorizationFailed)
            }
        }
        var sessionId: Int32 = 0
        switch session {
        case .full:
            sessionId = fetchSessions.createSession(privileged: isFollower, requested: requested, results: results)
        case .incremental(let id, _):
            sessionId = id
            results = fetchSessions.incrementalResponse(sessionId: id, results: results)
        case .sessionless, .error:
            break
        }
        return FetchResponse(errorCode: 0, sessionId: sessionId, responses: responses(results))
    }

    /// The results grouped by topic, in their order (a topic split by another one appears twice, as requested).
    private func responses(_ results: [FetchPartitionResult]) -> [FetchResponse.FetchableTopicResponse] {
        var responses: [FetchResponse.FetchableTopicResponse] = []
        for result in results {
            let data = FetchResponse.PartitionData(
                partitionIndex: result.topicPartition.partition, errorCode: result.errorCode.rawValue,
                highWatermark: result.highWatermark, lastStableOffset: result.lastStableOffset,
                logStartOffset: result.logStartOffset,
                abortedTransactions: result.abortedTransactions.map { $0.map(Self.abortedTransaction) },
                records: records(result, zeroCopy: settings.zeroCopyFetch))
            if responses.last?.topic == result.topicPartition.topic {
                responses[responses.count - 1].partitions.append(data)
            } else {
                responses.append(FetchResponse.FetchableTopicResponse(topic: result.topicPartition.topic, partitions: [data]))
            }
        }
        return responses
    }

    static func abortedTransaction(_ aborted: AbortedTransaction) -> FetchResponse.AbortedTransaction {
        FetchResponse.AbortedTransaction(producerId: aborted.producerId, firstOffset: aborted.firstOffset)
    }

    /// - Parameter zeroCopy: `zero.copy.fetch.enable`: the records stay in their segment, sent with `sendfile`
    /// (on TLS connections the connection handler reads them into the encrypted response instead).
    private func records(_ result: FetchPartitionResult, zeroCopy: Bool) -> KafkaRecords {
        guard let slice = result.records, slice.count > 0 else { return .bytes(ByteBuffer()) }
        if zeroCopy { return .region(slice) }
        do {
            return .bytes(ByteBuffer(bytes: try slice.readBytes()))
        } catch {
            logger.error("Reading \(result.topicPartition) for a fetch failed: \(error)")
            return .bytes(ByteBuffer())
        }
    }
}

extension FetchParameters {
    /// The longest a Fetch may park in the purgatory, whatever its `max_wait_ms` says: 30 s, the default
    /// `request.timeout.ms` of Kafka's clients. Kafka itself caps nothing, but a client gives up on a request after
    /// its request timeout, so a longer wait only keeps a parked fetch (and its connection's one request in flight)
    /// alive for nobody; `Int32.max` would park it for 24 days. Answering early is always allowed: the client gets
    /// what is there (maybe nothing) and fetches again. Not a config key: Kafka has none for it.
    static let maxWaitCap = Duration.seconds(30)

    /// A Fetch request's limits, each wire number checked: negative waits and sizes count as zero, the wait is
    /// capped at `maxWaitCap`, the total size at `fetch.max.bytes`.
    init(_ request: FetchRequest, fetchMaxBytes: Int, maxWaitCap: Duration = FetchParameters.maxWaitCap) {
        self.init(
            replicaId: request.replicaId,
            maxWait: min(.milliseconds(Int64(max(0, request.maxWaitMs))), maxWaitCap),
            minBytes: Int(max(0, request.minBytes)),
            maxBytes: min(Int(max(0, request.maxBytes)), fetchMaxBytes))
    }
}
