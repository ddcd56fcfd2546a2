import KafkaProtocol
import NIOCore
import Synchronization

/// A minimal member of a consumer group for one topic (what `gregor consume --group` needs): joins with the
/// "range" assignor, assigns as leader, heartbeats, commits and leaves. Not a general consumer: it follows one
/// topic and rejoins only when told to by its caller.
public final class GroupMember: Sendable {
    public struct Assignment: Sendable, Hashable {
        public var generationId: Int32
        public var memberId: String
        public var partitions: [Int32]
    }

    public let group: String
    public let topic: String
    private let client: KafkaClusterClient
    private let state = Mutex<(memberId: String, generationId: Int32)>(("", -1))

    public init(client: KafkaClusterClient, group: String, topic: String) {
        self.client = client
        self.group = group
        self.topic = topic
    }

    /// Joins (or rejoins) the group and returns this member's partitions of the topic.
    public func join(partitionCount: Int32) async throws(KafkaClientError) -> Assignment {
        try await client.withCoordinator("JoinGroup", group: group) { (_, connection) async throws(KafkaClientError) -> Assignment in
            let version = min(try connection.negotiatedVersion(JoinGroupRequest.self), 5)
            var request = JoinGroupRequest()
            request.groupId = group
            request.sessionTimeoutMs = 10_000
            request.rebalanceTimeoutMs = 60_000
            request.memberId = state.withLock { $0.memberId }
            request.protocolType = ConsumerProtocol.protocolType
            request.protocols = [.init(name: "range", metadata: ByteBuffer(bytes: ConsumerProtocolSubscription(topics: [topic]).encoded()))]
            var response = try await connection.send(request, version: version, timeout: .seconds(90))
            if ErrorCode(rawValue: response.errorCode) == .memberIdRequired {
                request.memberId = response.memberId
                response = try await connection.send(request, version: version, timeout: .seconds(90))
            }
            let error = ErrorCode(rawValue: response.errorCode)
            if error == .unknownMemberId { state.withLock { $0.memberId = "" } }
            guard error == .noError else { throw .broker(error, context: "JoinGroup for group \(group)", message: nil) }
            state.withLock { $0 = (response.memberId, response.generationId) }
            var sync = SyncGroupRequest()
            sync.groupId = group
            sync.generationId = response.generationId
            sync.memberId = response.memberId
            if response.leader == response.memberId {
                let members = response.members.compactMap { member -> (String, [String])? in
                    let subscription = try? ConsumerProtocolSubscription(decoding: Array(member.metadata.readableBytesView))
                    return subscription.map { (member.memberId, $0.topics) }
                }
                let assignment = Self.rangeAssignment(topic: topic, partitionCount: partitionCount, members: members)
                sync.assignments = members.map { memberId, _ in
                    let partitions = assignment[memberId] ?? []
                    let bytes = ConsumerProtocolAssignment(version: 0, assignedPartitions: partitions.isEmpty ? [] : [(topic, partitions)]).encoded()
                    return .init(memberId: memberId, assignment: ByteBuffer(bytes: bytes))
                }
            }
            let synced = try await connection.send(sync, version: min(try connection.negotiatedVersion(SyncGroupRequest.self), 3))
            let syncError = ErrorCode(rawValue: synced.errorCode)
            guard syncError == .noError else { throw .broker(syncError, context: "SyncGroup for group \(group)", message: nil) }
            let assigned = (try? ConsumerProtocolAssignment(decoding: Array(synced.assignment.readableBytesView)))?
                .assignedPartitions.filter { $0.topic == topic }.flatMap(\.partitions) ?? []
            return Assignment(generationId: response.generationId, memberId: response.memberId, partitions: assigned.sorted())
        }
    }

    /// Kafka's RangeAssignor for one topic: members subscribed to it, sorted by id, take consecutive ranges; the
    /// first `count % members` get one partition more.
    public static func rangeAssignment(topic: String, partitionCount: Int32, members: [(String, [String])]) -> [String: [Int32]] {
        let subscribed = members.filter { $0.1.contains(topic) }.map(\.0).sorted()
        guard !subscribed.isEmpty, partitionCount > 0 else { return [:] }
        let count = Int32(subscribed.count)
        let (each, extra) = (partitionCount / count, partitionCount % count)
        var result: [String: [Int32]] = [:]
        for (index, memberId) in subscribed.enumerated() {
            let i = Int32(index)
            let start = each * i + min(i, extra)
            let length = each + (i < extra ? 1 : 0)
            result[memberId] = Array(start..<(start + length))
        }
        return result
    }

    /// A heartbeat: `.noError`, or the error telling the member to rejoin (REBALANCE_IN_PROGRESS, ...).
    public func heartbeat() async throws(KafkaClientError) -> ErrorCode {
        let (memberId, generation) = state.withLock { $0 }
        let (_, connection) = try await client.coordinatorConnection(group: group)
        var request = HeartbeatRequest()
        request.groupId = group
        request.generationId = generation
        request.memberId = memberId
        let response = try await connection.send(request, version: min(try connection.negotiatedVersion(HeartbeatRequest.self), 3))
        return ErrorCode(rawValue: response.errorCode)
    }

    /// Commits positions as this member of its generation.
    public func commit(_ positions: [Int32: Int64]) async throws(KafkaClientError) {
        let (memberId, generation) = state.withLock { $0 }
        let (_, connection) = try await client.coordinatorConnection(group: group)
        var request = OffsetCommitRequest()
        request.groupId = group
        request.generationId = generation
        request.memberId = memberId
        request.topics = [.init(name: topic, partitions: positions.sorted { $0.key < $1.key }.map {
            .init(partitionIndex: $0.key, committedOffset: $0.value, committedMetadata: "")
        })]
        let response = try await connection.send(request, version: min(try connection.negotiatedVersion(OffsetCommitRequest.self), 7))
        for partition in response.topics.flatMap(\.partitions) where partition.errorCode != 0 {
            throw .broker(ErrorCode(rawValue: partition.errorCode), context: "OffsetCommit for group \(group)", message: nil)
        }
    }

    /// Leaves the group, so the others rebalance at once instead of after the session timeout.
    public func leave() async {
        let memberId = state.withLock { $0.memberId }
        guard !memberId.isEmpty, let (_, connection) = try? await client.coordinatorConnection(group: group) else { return }
        var request = LeaveGroupRequest()
        request.groupId = group
        request.memberId = memberId
        _ = try? await connection.send(request, version: 1)
    }
}
