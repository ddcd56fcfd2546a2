import Coordination
import KafkaProtocol

/// ListGroups, DescribeGroups, DeleteGroups, and what the coordinator does when the cluster's metadata changes.
extension GroupCoordinator {
    struct GroupOverview: Sendable, Equatable {
        var groupId: String
        var protocolType: String
        var state: GroupState
    }

    struct MemberDescription: Sendable, Equatable {
        var memberId: String
        var groupInstanceId: String?
        var clientId: String
        var clientHost: String
        var metadata: [UInt8]
        var assignment: [UInt8]
    }

    struct GroupDescription: Sendable, Equatable {
        var state: GroupState
        var protocolType: String
        var protocolName: String
        var members: [MemberDescription]

        static let dead = GroupDescription(state: .dead, protocolType: "", protocolName: "", members: [])
    }

    /// The groups this broker coordinates: those loaded, and those that only have offsets in ZooKeeper (Empty).
    func listGroups() async -> Result<[GroupOverview], ErrorCode> {
        if isShutDown { return .failure(.coordinatorNotAvailable) }
        var overviews: [String: GroupOverview] = [:]
        do {
            for groupId in try await store.groupsWithOffsets() where coordinatorId(for: groupId) == configuration.brokerId {
                overviews[groupId] = GroupOverview(groupId: groupId, protocolType: "", state: .empty)
            }
        } catch {
            logger.warning("Listing consumer groups in ZooKeeper failed: \(error)")
            return .failure(.coordinatorNotAvailable)
        }
        for (groupId, entry) in groups {
            guard case .loaded(let loaded) = entry, loaded.metadata.state != .dead else { continue }
            overviews[groupId] = GroupOverview(
                groupId: groupId, protocolType: loaded.metadata.protocolType ?? "", state: loaded.metadata.state)
        }
        return .success(overviews.values.sorted { $0.groupId < $1.groupId })
    }

    /// DescribeGroups for one group: a group nobody uses is Dead with no members, as in Kafka. Member metadata and
    /// assignments are only shown in Stable, when they are current.
    func describeGroup(_ groupId: String) async -> (ErrorCode, GroupDescription) {
        guard Self.isValidGroupId(groupId) else { return (.invalidGroupId, .dead) }
        switch await group(groupId, create: false) {
        case .failure(let error): return (error, .dead)
        case .success(nil): return (.noError, .dead)
        case .success(let group?):
            let stable = group.state == .stable
            let protocolName = stable ? group.protocolName ?? "" : ""
            let members = group.allMembers.map { member in
                MemberDescription(
                    memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                    clientHost: member.clientHost, metadata: stable ? member.metadata(for: protocolName) ?? [] : [],
                    assignment: stable ? member.assignment : [])
            }
            return (.noError, GroupDescription(
                state: group.state, protocolType: group.protocolType ?? "", protocolName: protocolName, members: members))
        }
    }

    /// DeleteGroups for one group: only an Empty group goes; its offsets are removed from ZooKeeper.
    func deleteGroup(_ groupId: String) async -> ErrorCode {
        guard Self.isValidGroupId(groupId) else { return .invalidGroupId }
        switch await group(groupId, create: false) {
        case .failure(let error): return error
        case .success(nil): return .groupIdNotFound
        case .success: break
        }
        guard case .loaded(let loaded) = groups[groupId] else { return .notCoordinator }
        let error = apply(groupId) { group in (group.markDeleted(nowMs: Self.nowMs()), [GroupAction]()) } ?? .notCoordinator
        guard error == .noError else { return error }
        do {
            try await store.deleteGroup(group: groupId, fence: loaded.fence)
            logger.info("Deleted group \(groupId) and its offsets")
        } catch {
            logger.warning("Deleting group \(groupId) from ZooKeeper failed: \(error)")
            unload(groupId, error: .coordinatorNotAvailable)
            return Self.errorCode(for: error)
        }
        unload(groupId, error: .coordinatorNotAvailable)
        return .noError
    }

    /// After an UpdateMetadata: groups whose coordinator is now another broker are unloaded; groups consuming a
    /// topic whose partition count changed rebalance; offsets of deleted topics are forgotten (the controller
    /// deletes their znodes).
    func metadataChanged() {
        for groupId in Array(groups.keys) where ownershipError(groupId) != nil {
            if case .loaded = groups[groupId] {
                logger.info("Group \(groupId) is now coordinated by broker \(coordinatorId(for: groupId).map(String.init) ?? "none"): unloading it")
                unload(groupId, error: .notCoordinator)
            }
        }
        var counts: [String: Int] = [:]
        for topic in metadataCache.topicNames() { counts[topic] = metadataCache.partitions(of: topic)?.count ?? 0 }
        let changed = Set(counts.compactMap { topic, count in
            knownPartitionCounts[topic].map { $0 != count ? topic : nil } ?? nil
        })
        let deleted = Set(knownPartitionCounts.keys).subtracting(counts.keys)
        knownPartitionCounts = counts
        guard !changed.isEmpty || !deleted.isEmpty else { return }
        let nowMs = Self.nowMs()
        for (groupId, entry) in groups {
            guard case .loaded(let loaded) = entry else { continue }
            let pending = loaded.metadata.pendingTransactions.values.flatMap(\.offsets.keys)
            let gone = Set(Array(loaded.metadata.offsets.keys) + pending).filter { deleted.contains($0.topic) }
            applyActions(groupId) { group in
                group.removeOffsets(gone)
                return changed.isEmpty ? [] : group.subscribedTopicsChanged(changed, nowMs: nowMs)
            }
        }
    }
}
