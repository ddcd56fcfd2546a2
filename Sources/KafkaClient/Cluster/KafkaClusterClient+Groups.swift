import KafkaProtocol
import NIOCore

/// A group as ListGroups reports it.
public struct GroupListing: Sendable, Hashable {
    public var groupId: String
    public var protocolType: String
    public var state: String
}

/// A group as DescribeGroups reports it, with each member's assignment decoded (consumer protocol).
public struct GroupDescription: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var memberId: String
        public var groupInstanceId: String?
        public var clientId: String
        public var host: String
        /// topic -> partitions, empty when the assignment is not a consumer assignment.
        public var assignment: [String: [Int32]]
    }

    public var groupId: String
    public var state: String
    public var protocolType: String
    public var assignmentStrategy: String
    public var coordinator: Int32
    public var members: [Member]
}

/// A committed offset as OffsetFetch reports it.
public struct CommittedOffset: Sendable, Hashable {
    public var offset: Int64
    public var metadata: String
}

/// Consumer-group administration, as Kafka's AdminClient does it: requests go to the group's coordinator (found
/// with FindCoordinator and found again on NOT_COORDINATOR), ListGroups to every broker.
extension KafkaClusterClient {
    /// The coordinator's id and a connection to it.
    func coordinatorConnection(group: String) async throws(KafkaClientError) -> (Int32, KafkaConnection) {
        let connection = try await anyConnection()
        let version = try connection.negotiatedVersion(FindCoordinatorRequest.self)
        var request = FindCoordinatorRequest()
        request.key = group
        request.keyType = 0
        let response = try await connection.send(request, version: version)
        let error = ErrorCode(rawValue: response.errorCode)
        guard error == .noError else { throw .broker(error, context: "FindCoordinator for group \(group)", message: response.errorMessage) }
        return (response.nodeId, try await self.connection(toBroker: response.nodeId))
    }

    /// Runs `body` on the group's coordinator, retrying retriable errors (NOT_COORDINATOR, loading, ...).
    func withCoordinator<T>(
        _ operation: String, group: String, _ body: (Int32, KafkaConnection) async throws(KafkaClientError) -> T
    ) async throws(KafkaClientError) -> T {
        try await withRetries("\(operation) for group \(group)", timeout: nil) { () async throws(KafkaClientError) -> T in
            let (id, connection) = try await coordinatorConnection(group: group)
            return try await body(id, connection)
        }
    }

    /// Every group of the cluster: ListGroups to each live broker, merged.
    public func listGroups() async throws(KafkaClientError) -> [GroupListing] {
        let brokers = try await metadata(topics: []).brokers
        var groups: [String: GroupListing] = [:]
        for broker in brokers {
            let listing = try await withRetries("ListGroups on broker \(broker.id)", timeout: nil) {
                () async throws(KafkaClientError) -> [GroupListing] in
                let connection = try await connection(toBroker: broker.id)
                let version = try connection.negotiatedVersion(ListGroupsRequest.self)
                let response = try await connection.send(ListGroupsRequest(), version: version)
                let error = ErrorCode(rawValue: response.errorCode)
                guard error == .noError else { throw .broker(error, context: "ListGroups on broker \(broker.id)", message: nil) }
                return response.groups.map { GroupListing(groupId: $0.groupId, protocolType: $0.protocolType, state: $0.groupState) }
            }
            for group in listing { groups[group.groupId] = group }
        }
        return groups.values.sorted { $0.groupId < $1.groupId }
    }

    public func describeGroup(_ group: String) async throws(KafkaClientError) -> GroupDescription {
        try await withCoordinator("DescribeGroups", group: group) { (id, connection) async throws(KafkaClientError) -> GroupDescription in
            let version = try connection.negotiatedVersion(DescribeGroupsRequest.self)
            var request = DescribeGroupsRequest()
            request.groups = [group]
            let response = try await connection.send(request, version: version)
            guard let described = response.groups.first(where: { $0.groupId == group }) else {
                throw .decodingFailed(api: .describeGroups, version: version, reason: "no answer for group \(group)")
            }
            let error = ErrorCode(rawValue: described.errorCode)
            guard error == .noError else { throw .broker(error, context: "DescribeGroups for group \(group)", message: nil) }
            return GroupDescription(
                groupId: group, state: described.groupState, protocolType: described.protocolType,
                assignmentStrategy: described.protocolData, coordinator: id,
                members: described.members.map { member in
                    var assignment: [String: [Int32]] = [:]
                    if let decoded = try? ConsumerProtocolAssignment(decoding: Array(member.memberAssignment.readableBytesView)) {
                        for (topic, partitions) in decoded.assignedPartitions { assignment[topic, default: []] += partitions }
                    }
                    return .init(
                        memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                        host: member.clientHost, assignment: assignment)
                })
        }
    }

    /// The group's committed offsets (all partitions with one), by topic and partition.
    public func committedOffsets(group: String) async throws(KafkaClientError) -> [String: [Int32: CommittedOffset]] {
        try await withCoordinator("OffsetFetch", group: group) {
            (_, connection) async throws(KafkaClientError) -> [String: [Int32: CommittedOffset]] in
            let version = try connection.negotiatedVersion(OffsetFetchRequest.self)
            guard version >= 2 else { throw .unsupportedVersion(api: .offsetFetch, version: version) }
            var request = OffsetFetchRequest()
            request.groupId = group
            request.topics = nil
            let response = try await connection.send(request, version: version)
            let error = ErrorCode(rawValue: response.errorCode)
            guard error == .noError else { throw .broker(error, context: "OffsetFetch for group \(group)", message: nil) }
            var result: [String: [Int32: CommittedOffset]] = [:]
            for topic in response.topics {
                for partition in topic.partitions where partition.committedOffset >= 0 {
                    result[topic.name, default: [:]][partition.partitionIndex] =
                        CommittedOffset(offset: partition.committedOffset, metadata: partition.metadata ?? "")
                }
            }
            return result
        }
    }

    /// Commits offsets outside group management (generation -1, no member), as Kafka's admin tools do; returns the
    /// error of each partition.
    public func commitOffsets(group: String, offsets: [String: [Int32: Int64]]) async throws(KafkaClientError)
        -> [String: [Int32: ErrorCode]]
    {
        try await withCoordinator("OffsetCommit", group: group) {
            (_, connection) async throws(KafkaClientError) -> [String: [Int32: ErrorCode]] in
            let version = try connection.negotiatedVersion(OffsetCommitRequest.self)
            var request = OffsetCommitRequest()
            request.groupId = group
            request.generationId = -1
            request.memberId = ""
            request.topics = offsets.keys.sorted().map { topic in
                .init(name: topic, partitions: (offsets[topic] ?? [:]).keys.sorted().map { partition in
                    .init(partitionIndex: partition, committedOffset: offsets[topic]?[partition] ?? 0, committedMetadata: "")
                })
            }
            let response = try await connection.send(request, version: version)
            var result: [String: [Int32: ErrorCode]] = [:]
            for topic in response.topics {
                for partition in topic.partitions {
                    let error = ErrorCode(rawValue: partition.errorCode)
                    if error == .notCoordinator || error == .coordinatorLoadInProgress || error == .coordinatorNotAvailable {
                        throw .broker(error, context: "OffsetCommit for group \(group)", message: nil)
                    }
                    result[topic.name, default: [:]][partition.partitionIndex] = error
                }
            }
            return result
        }
    }

    /// DeleteGroups for one group: `.noError` or why it was not deleted.
    public func deleteGroup(_ group: String) async throws(KafkaClientError) -> ErrorCode {
        try await withCoordinator("DeleteGroups", group: group) { (_, connection) async throws(KafkaClientError) -> ErrorCode in
            let version = try connection.negotiatedVersion(DeleteGroupsRequest.self)
            var request = DeleteGroupsRequest()
            request.groupsNames = [group]
            let response = try await connection.send(request, version: version)
            let error = ErrorCode(rawValue: response.results.first { $0.groupId == group }?.errorCode ?? ErrorCode.unknownServerError.rawValue)
            if error.isRetriable { throw .broker(error, context: "DeleteGroups for group \(group)", message: nil) }
            return error
        }
    }

    /// OffsetDelete: a group-level error, or each partition's.
    public func deleteOffsets(group: String, topic: String, partitions: [Int32]) async throws(KafkaClientError)
        -> Result<[Int32: ErrorCode], ErrorCode>
    {
        try await withCoordinator("OffsetDelete", group: group) {
            (_, connection) async throws(KafkaClientError) -> Result<[Int32: ErrorCode], ErrorCode> in
            let version = try connection.negotiatedVersion(OffsetDeleteRequest.self)
            var request = OffsetDeleteRequest()
            request.groupId = group
            request.topics = [.init(name: topic, partitions: partitions.map { .init(partitionIndex: $0) })]
            let response = try await connection.send(request, version: version)
            let error = ErrorCode(rawValue: response.errorCode)
            if error.isRetriable { throw .broker(error, context: "OffsetDelete for group \(group)", message: nil) }
            guard error == .noError else { return .failure(error) }
            var result: [Int32: ErrorCode] = [:]
            for partition in response.topics.first(where: { $0.name == topic })?.partitions ?? [] {
                result[partition.partitionIndex] = ErrorCode(rawValue: partition.errorCode)
            }
            return .success(result)
        }
    }
}
