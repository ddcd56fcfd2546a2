import Coordination
import KafkaProtocol

/// OffsetCommit, OffsetFetch and OffsetDelete (Kafka's `KafkaApis.handleOffsetCommitRequest` and friends), with
/// Kafka's checks: committing needs READ on the group and on each topic, fetching DESCRIBE on the group and on each
/// topic, deleting DELETE on the group and READ on each topic.
extension BrokerApis {
    func offsetCommit(_ request: OffsetCommitRequest, _ context: RequestContext) async -> OffsetCommitResponse {
        let auth = authorizer(context)
        guard auth.authorize(.read, .group, request.groupId) else {
            return OffsetCommitResponse(topics: request.topics.map { topic in
                .init(name: topic.name, partitions: topic.partitions.map {
                    .init(partitionIndex: $0.partitionIndex, errorCode: ErrorCode.groupAuthorizationFailed.rawValue)
                })
            })
        }
        let readable = auth.filterByAuthorized(.read, .topic, request.topics.map(\.name))
        let nowMs = GroupCoordinator.nowMs()
        var offsets: [TopicPartition: OffsetAndMetadata] = [:]
        var order: [TopicPartition] = []
        var refused: [TopicPartition: ErrorCode] = [:]
        for topic in request.topics {
            for partition in topic.partitions {
                let key = TopicPartition(topic.name, partition.partitionIndex)
                guard readable.contains(topic.name) else {
                    refused[key] = .topicAuthorizationFailed
                    order.append(key)
                    continue
                }
                // v1 may carry the commit time; v2-4 a retention that gives the offset its own expiry time.
                let commitTimestampMs = context.apiVersion == 1 && partition.commitTimestamp >= 0 ? partition.commitTimestamp : nowMs
                let retentionMs = (2...4).contains(context.apiVersion) ? request.retentionTimeMs : -1
                offsets[key] = OffsetAndMetadata(
                    offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch,
                    metadata: partition.committedMetadata ?? "", commitTimestampMs: commitTimestampMs,
                    expireTimestampMs: retentionMs >= 0 ? commitTimestampMs &+ retentionMs : nil)
                order.append(key)
            }
        }
        // Kafka does not bother the coordinator when nothing is left to commit.
        let errors =
            offsets.isEmpty
            ? refused
            : await groupCoordinator.commitOffsets(
                request.groupId,
                .init(memberId: request.memberId, groupInstanceId: request.groupInstanceId,
                      generationId: context.apiVersion == 0 ? -1 : request.generationId, offsets: offsets)
            ).merging(refused) { _, refusal in refusal }
        return OffsetCommitResponse(topics: Self.grouped(order).map { topic, partitions in
            .init(name: topic, partitions: partitions.map { partition in
                let error = errors[TopicPartition(topic, partition)] ?? .unknownServerError
                return .init(partitionIndex: partition, errorCode: error.rawValue)
            })
        })
    }

    func offsetFetch(_ request: OffsetFetchRequest, _ context: RequestContext) async -> OffsetFetchResponse {
        // v2+ may ask for every partition with a commit (null topics).
        let asked: [TopicPartition]? = request.topics.map { topics in
            topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic.name, $0) } }
        }
        let auth = authorizer(context)
        let outcome: Result<[TopicPartition: (OffsetAndMetadata, ErrorCode)], ErrorCode>
        // Asked for everything, the partitions of topics the principal may not DESCRIBE are left out; asked by name,
        // they are TOPIC_AUTHORIZATION_FAILED without asking the coordinator.
        var describable: Set<String>? = nil
        if !auth.authorize(.describe, .group, request.groupId) {
            outcome = .failure(.groupAuthorizationFailed)
        } else if let asked {
            let allowed = auth.filterByAuthorized(.describe, .topic, (request.topics ?? []).map(\.name))
            describable = allowed
            outcome = await groupCoordinator.fetchOffsets(
                request.groupId, partitions: asked.filter { allowed.contains($0.topic) }, requireStable: request.requireStable)
        } else {
            outcome = await groupCoordinator.fetchOffsets(request.groupId, partitions: nil, requireStable: request.requireStable)
                .map { committed in
                    let allowed = auth.filterByAuthorized(.describe, .topic, committed.keys.map(\.topic))
                    return committed.filter { allowed.contains($0.key.topic) }
                }
        }
        switch outcome {
        case .failure(let error):
            // Before v2 errors travel per partition only.
            let partitions = context.apiVersion < 2 ? asked ?? [] : []
            return OffsetFetchResponse(
                topics: Self.grouped(partitions).map { topic, indexes in
                    .init(name: topic, partitions: indexes.map {
                        .init(partitionIndex: $0, committedOffset: -1, metadata: "", errorCode: error.rawValue)
                    })
                },
                errorCode: error.rawValue)
        case .success(let committed):
            let partitions = asked ?? committed.keys.sorted()
            return OffsetFetchResponse(topics: Self.grouped(partitions).map { topic, indexes in
                .init(name: topic, partitions: indexes.map { index in
                    if let describable, !describable.contains(topic) {
                        return .init(
                            partitionIndex: index, committedOffset: -1, committedLeaderEpoch: -1, metadata: "",
                            errorCode: ErrorCode.topicAuthorizationFailed.rawValue)
                    }
                    guard let (offset, error) = committed[TopicPartition(topic, index)] else {
                        return .init(partitionIndex: index, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0)
                    }
                    return .init(
                        partitionIndex: index, committedOffset: offset.offset, committedLeaderEpoch: offset.leaderEpoch,
                        metadata: offset.metadata, errorCode: error.rawValue)
                })
            })
        }
    }

    func offsetDelete(_ request: OffsetDeleteRequest, _ context: RequestContext) async -> OffsetDeleteResponse {
        let auth = authorizer(context)
        guard auth.authorize(.delete, .group, request.groupId) else {
            return OffsetDeleteResponse(errorCode: ErrorCode.groupAuthorizationFailed.rawValue)
        }
        let readable = auth.filterByAuthorized(.read, .topic, request.topics.map(\.name))
        let partitions = request.topics.flatMap { topic in topic.partitions.map { TopicPartition(topic.name, $0.partitionIndex) } }
        let refused = Dictionary(
            partitions.filter { !readable.contains($0.topic) }.map { ($0, ErrorCode.topicAuthorizationFailed) },
            uniquingKeysWith: { first, _ in first })
        switch await groupCoordinator.deleteOffsets(request.groupId, partitions: partitions.filter { refused[$0] == nil }) {
        case .failure(let error):
            return OffsetDeleteResponse(errorCode: error.rawValue)
        case .success(var errors):
            errors.merge(refused) { _, refusal in refusal }
            return OffsetDeleteResponse(topics: Self.grouped(partitions).map { topic, indexes in
                .init(name: topic, partitions: indexes.map {
                    .init(partitionIndex: $0, errorCode: (errors[TopicPartition(topic, $0)] ?? .noError).rawValue)
                })
            })
        }
    }

    /// Partitions grouped by topic, topics and partitions in first-seen order, each partition once.
    static func grouped(_ partitions: [TopicPartition]) -> [(topic: String, partitions: [Int32])] {
        var topics: [String] = []
        var byTopic: [String: [Int32]] = [:]
        for partition in partitions {
            if byTopic[partition.topic] == nil { topics.append(partition.topic) }
            if byTopic[partition.topic, default: []].contains(partition.partition) { continue }
            byTopic[partition.topic, default: []].append(partition.partition)
        }
        return topics.map { ($0, byTopic[$0] ?? []) }
    }
}
