import Coordination
import Foundation
import KafkaClient
import KafkaProtocol
import Logging

/// Reads a `ClusterSummary`: from ZooKeeper (what the controller and the brokers wrote there, as zkCli shows it), or
/// through the Kafka protocol (Metadata, ListGroups, OffsetFetch), as Kafka's own tools do. Either way the end
/// offsets for lag come from the partition leaders (ListOffsets), the one thing ZooKeeper does not hold.
enum ClusterSnapshot {
    static func read(
        zk: KafkaZkClient, source: String, requestTimeoutMs: Int, commandConfig: String? = nil
    ) async throws -> ClusterSummary {
        let clusterId = try await zk.clusterId()
        let brokers = try await zk.liveBrokers()
        let controller = try await zk.controller()
        let epoch = try await zk.controllerEpoch()
        var topics: [TopicMetadata] = []
        for name in try await zk.allTopics() {
            // Gone since the listing (deleted meanwhile): not part of this snapshot.
            guard let assignment = try await zk.topicAssignment(name) else { continue }
            let states = try await zk.partitionStates(topic: name, partitions: assignment.partitions.keys)
            let partitions = assignment.partitions.map { partition, replicas -> PartitionMetadata in
                // A partition whose state znode is not written yet has no leader and no ISR.
                let state = states[partition]?.leaderAndIsr
                return PartitionMetadata(
                    partition: partition, leader: state.flatMap { $0.leader >= 0 ? $0.leader : nil },
                    leaderEpoch: state?.leaderEpoch ?? -1, replicas: replicas.replicas, isr: state?.isr ?? [])
            }
            topics.append(TopicMetadata(name: name, partitions: partitions))
        }
        var logger = Logger(label: "gregor")
        logger.logLevel = .error
        var committed: [(group: String, state: String?, offsets: [TopicPartition: Int64])] = []
        var groupsError: String?
        do {
            for group in try await zk.groupsWithCommittedOffsets() {
                committed.append((group, nil, try await zk.committedOffsets(group: group, logger: logger)))
            }
        } catch {
            groupsError = "\(error)"
        }
        // The brokers' listeners of the protocol the CLI speaks (`security.protocol` of --command-config, else
        // PLAINTEXT), for the end offsets behind the lags.
        let wanted = (try? BootstrapOptions.securityProperties(commandConfig))?["security.protocol"]?.uppercased() ?? "PLAINTEXT"
        let addresses = brokers.compactMap { broker in
            (broker.endPoints.first { $0.securityProtocol.rawValue == wanted } ?? broker.endPoints.first)
                .map { BrokerAddress(host: $0.host, port: $0.port) }
        }
        let groups = await lags(
            of: committed, servers: addresses, requestTimeoutMs: requestTimeoutMs, commandConfig: commandConfig)
        return ClusterSummary(
            source: source, clusterId: clusterId,
            brokers: brokers.map { .init(id: $0.id, endpoints: $0.endPoints.map(\.connectionString), rack: $0.rack) },
            controllerId: controller?.node.brokerId, controllerEpoch: epoch?.epoch, topics: topics, groups: groups,
            groupsError: groupsError)
    }

    static func read(client: KafkaClusterClient, source: String) async throws -> ClusterSummary {
        let metadata = try await client.metadata(topics: nil)
        var committed: [(group: String, state: String?, offsets: [TopicPartition: Int64])] = []
        var groupsError: String?
        do {
            for listing in try await client.listGroups() {
                var offsets: [TopicPartition: Int64] = [:]
                for (topic, partitions) in try await client.committedOffsets(group: listing.groupId) {
                    for (partition, offset) in partitions { offsets[TopicPartition(topic, partition)] = offset.offset }
                }
                committed.append((listing.groupId, listing.state, offsets))
            }
        } catch {
            groupsError = "\(error)"
        }
        let groups = await lags(of: committed, client: client)
        return ClusterSummary(
            source: source, clusterId: metadata.clusterId,
            brokers: metadata.brokers.map { .init(id: $0.id, endpoints: [$0.address.description], rack: $0.rack) },
            controllerId: metadata.controllerId, controllerEpoch: nil, topics: metadata.topics, groups: groups,
            groupsError: groupsError)
    }

    /// Each group's lag, with one ListOffsets per leader for the partitions of all groups together.
    private static func lags(
        of committed: [(group: String, state: String?, offsets: [TopicPartition: Int64])], client: KafkaClusterClient
    ) async -> [GroupLag] {
        let ends = await client.latestOffsets(Set(committed.flatMap(\.offsets.keys)))
        return committed.map { GroupLag(group: $0.group, state: $0.state, committed: $0.offsets, endOffsets: ends) }
    }

    /// As above, through a client to `servers` made for this snapshot (none: every lag is unknown).
    private static func lags(
        of committed: [(group: String, state: String?, offsets: [TopicPartition: Int64])], servers: [BrokerAddress],
        requestTimeoutMs: Int, commandConfig: String?
    ) async -> [GroupLag] {
        guard !servers.isEmpty, committed.contains(where: { !$0.offsets.isEmpty }) else {
            return committed.map { GroupLag(group: $0.group, state: $0.state, committed: $0.offsets, endOffsets: [:]) }
        }
        guard let client = try? BootstrapOptions.makeClient(
            servers: servers, requestTimeoutMs: requestTimeoutMs, commandConfig: commandConfig)
        else {
            return committed.map { GroupLag(group: $0.group, state: $0.state, committed: $0.offsets, endOffsets: [:]) }
        }
        let groups = await lags(of: committed, client: client)
        await client.close()
        return groups
    }
}
