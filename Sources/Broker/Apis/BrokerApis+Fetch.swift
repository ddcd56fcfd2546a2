import KafkaProtocol
import NIOCore
import Storage

extension BrokerApis {
    /// Kafka's `handleFetchRequest`: reads each partition (whole batches, KIP-74 limits), parks in the purgatory
    /// while fewer than `min_bytes` are there, and answers with the records as file regions (sendfile) or copies,
    /// per `zero.copy.fetch.enable` (always copies on TLS connections). Fetch sessions (v7+) are declined with session id 0, which clients accept
    /// by sending full fetches.
    ///
    /// Authorization as Kafka's: a follower (replica id >= 0) needs CLUSTER_ACTION on the cluster, else every
    /// partition is TOPIC_AUTHORIZATION_FAILED; a consumer needs READ on each topic, else that topic's partitions
    /// are. Refused partitions are not read.
    func fetch(_ request: FetchRequest, _ context: RequestContext) async -> FetchResponse {
        RequestTrace.current?.identifyFetch(fromFollower: request.replicaId >= 0)
        if request.sessionId != 0 {
            return FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0)
        }
        let auth = authorizer(context)
        let readable: Set<String> =
            request.replicaId >= 0
            ? (auth.authorizeCluster(.clusterAction) ? Set(request.topics.map(\.topic)) : [])
            : auth.filterByAuthorized(.read, .topic, request.topics.flatMap { topic in topic.partitions.map { _ in topic.topic } })
        var parameters = FetchParameters(request, fetchMaxBytes: settings.fetchMaxBytes)
        parameters.readCommitted = request.replicaId < 0 && request.isolationLevel == 1
        let partitions = request.topics.filter { readable.contains($0.topic) }.flatMap { topic in
            topic.partitions.map {
                FetchPartitionRequest(
                    topicPartition: TopicPartition(topic: topic.topic, partition: $0.partition), fetchOffset: $0.fetchOffset,
                    maxBytes: Int(max(0, $0.partitionMaxBytes)), currentLeaderEpoch: $0.currentLeaderEpoch,
                    logStartOffset: $0.logStartOffset)
            }
        }
        var results = await replicaManager.fetchMessages(parameters, partitions: partitions)[...]
        let responses = request.topics.map { topic in
            FetchResponse.FetchableTopicResponse(topic: topic.topic, partitions: topic.partitions.map { partition in
                guard readable.contains(topic.topic) else {
                    return FetchResponse.PartitionData(
                        partitionIndex: partition.partition, errorCode: ErrorCode.topicAuthorizationFailed.rawValue,
                        highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
                        abortedTransactions: nil, records: .bytes(ByteBuffer()))
                }
                let result = results.removeFirst()
                return FetchResponse.PartitionData(
                    partitionIndex: result.topicPartition.partition, errorCode: result.errorCode.rawValue,
                    highWatermark: result.highWatermark, lastStableOffset: result.lastStableOffset,
                    logStartOffset: result.logStartOffset,
                    abortedTransactions: result.abortedTransactions.map { $0.map(Self.abortedTransaction) },
                    records: records(result, zeroCopy: settings.zeroCopyFetch))
            })
        }
        return FetchResponse(errorCode: 0, sessionId: 0, responses: responses)
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
