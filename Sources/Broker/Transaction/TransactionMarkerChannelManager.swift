import Coordination
import KafkaClient
import KafkaProtocol
import Logging

/// Kafka's `TransactionMarkerChannelManager`: delivers a transaction's COMMIT or ABORT markers to the leader of
/// each of its partitions and to the coordinator of each of its groups, by WriteTxnMarkers over the inter-broker
/// listener (or straight into this broker's own replica manager and group coordinator), until every one is written.
///
/// Retries, as Kafka's `TransactionMarkerRequestCompletionHandler`: a destination that is not the leader (or
/// coordinator) any more, not enough in-sync replicas, a timeout or an unreachable broker are retried after a short
/// backoff against fresh metadata; partitions of a deleted topic are dropped; a marker refused for a newer
/// producer or coordinator epoch is dropped too, since a newer coordinator decision has superseded it.
final class TransactionMarkerChannelManager: TransactionMarkerSender {
    private let brokerId: Int32
    private let metadataCache: MetadataCache
    private let replicaManager: ReplicaManager
    private let groupCoordinator: GroupCoordinator
    private let channel: BrokerControllerChannel
    private let logger: Logger
    /// Kafka's retry backoff for markers (`retry.backoff.ms` of the channel's network client).
    static let retryBackoff = Duration.milliseconds(100)

    init(
        brokerId: Int32, metadataCache: MetadataCache, replicaManager: ReplicaManager, groupCoordinator: GroupCoordinator,
        channel: BrokerControllerChannel, logger: Logger
    ) {
        self.brokerId = brokerId
        self.metadataCache = metadataCache
        self.replicaManager = replicaManager
        self.groupCoordinator = groupCoordinator
        self.channel = channel
        self.logger = logger
    }

    func writeMarkers(_ markers: TransactionMarkers) async throws {
        var partitions = markers.partitions
        var groups = markers.groups
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let gone = partitions.filter { !metadataCache.contains(topic: $0.topic) }
            if !gone.isEmpty {
                logger.info("Dropping the transaction markers of \(markers.transactionalId) for deleted partitions \(gone.sorted())")
                partitions.subtract(gone)
            }
            if partitions.isEmpty && groups.isEmpty { return }
            let plan = destinations(partitions: partitions, groups: groups)
            let outcomes = await withTaskGroup(of: Set<MarkerTarget>.self) { tasks in
                for (broker, targets) in plan {
                    tasks.addTask { await self.deliver(markers, targets: targets, to: broker) }
                }
                var written = Set<MarkerTarget>()
                for await done in tasks { written.formUnion(done) }
                return written
            }
            for target in outcomes {
                switch target {
                case .partition(let partition): partitions.remove(partition)
                case .group(let group): groups.remove(group)
                }
            }
            if partitions.isEmpty && groups.isEmpty { return }
            attempt += 1
            if attempt % 50 == 0 {
                logger.warning(
                    "Transaction \(markers.transactionalId) still has markers to write after \(attempt) attempts: partitions \(partitions.sorted()), groups \(groups.sorted())")
            }
            try await Task.sleep(for: Self.retryBackoff)
        }
    }

    /// Where each marker goes now: partition leaders and group coordinators by broker id. Targets without a live
    /// destination wait for the next round.
    private func destinations(partitions: Set<TopicPartition>, groups: Set<String>) -> [Int32: [MarkerTarget]] {
        var plan: [Int32: [MarkerTarget]] = [:]
        for partition in partitions {
            guard let leader = metadataCache.partition(partition.topic, partition.partition)?.leader, leader >= 0,
                metadataCache.aliveBroker(leader) != nil
            else { continue }
            plan[leader, default: []].append(.partition(partition))
        }
        let alive = metadataCache.aliveBrokers().map(\.id)
        for group in groups {
            guard let coordinator = GroupCoordinatorSelection.coordinator(for: group, among: alive) else { continue }
            plan[coordinator, default: []].append(.group(group))
        }
        return plan
    }

    /// Sends one broker its markers; returns the targets that are done (written, or no longer needed).
    private func deliver(_ markers: TransactionMarkers, targets: [MarkerTarget], to broker: Int32) async -> Set<MarkerTarget> {
        let errors: [TopicPartition: ErrorCode]
        if broker == brokerId {
            errors = await writeLocally(markers, targets: targets)
        } else {
            guard let node = metadataCache.aliveBroker(broker),
                let address = node.endpoints[channel.listenerName]
            else { return [] }
            do {
                let endPoint = EndPoint(
                    listenerName: channel.listenerName, host: address.host, port: Int(address.port),
                    securityProtocol: channel.usesTls ? .ssl : .plaintext)
                let connection = try await channel.pool.connection(to: broker, endPoint: endPoint)
                let response = try await connection.send(Self.request(markers, targets: targets), version: 1)
                errors = Self.errors(response)
            } catch {
                logger.debug("Sending transaction markers of \(markers.transactionalId) to broker \(broker) failed: \(error)")
                return []
            }
        }
        var done = Set<MarkerTarget>()
        for target in targets {
            let error = errors[target.responseKey] ?? .unknownServerError
            if Self.isDone(error) {
                if error != .noError {
                    logger.warning("Dropping the transaction marker of \(markers.transactionalId) for \(target): \(error)")
                }
                done.insert(target)
            } else {
                logger.debug("Transaction marker of \(markers.transactionalId) for \(target) on broker \(broker): \(error), retrying")
            }
        }
        return done
    }

    private func writeLocally(_ markers: TransactionMarkers, targets: [MarkerTarget]) async -> [TopicPartition: ErrorCode] {
        var errors: [TopicPartition: ErrorCode] = [:]
        let partitions = targets.compactMap { if case .partition(let p) = $0 { p } else { nil } }
        let groups = targets.compactMap { if case .group(let g) = $0 { g } else { nil } }
        if !partitions.isEmpty {
            let append = EndTxnMarkerAppend(
                producerId: markers.producerId, producerEpoch: markers.producerEpoch,
                coordinatorEpoch: markers.coordinatorEpoch, commit: markers.commit)
            errors = await replicaManager.appendEndTxnMarkers(
                append, partitions: partitions, timeout: BrokerApis.txnMarkerReplicationTimeout)
        }
        if !groups.isEmpty {
            let error = await groupCoordinator.completeTransaction(
                groupIds: groups, producerId: markers.producerId, commit: markers.commit)
            for group in groups { errors[MarkerTarget.group(group).responseKey] = error }
        }
        return errors
    }

    /// Written, or refused for good: a newer producer epoch or coordinator epoch has taken over (Kafka stops
    /// sending that transaction's markers then), or a log format without transactions.
    static func isDone(_ error: ErrorCode) -> Bool {
        switch error {
        case .noError, .invalidProducerEpoch, .producerFenced, .transactionCoordinatorFenced, .unsupportedForMessageFormat:
            true
        default:
            false
        }
    }

    static func request(_ markers: TransactionMarkers, targets: [MarkerTarget]) -> WriteTxnMarkersRequest {
        var byTopic: [String: [Int32]] = [:]
        var groups: [String] = []
        for target in targets {
            switch target {
            case .partition(let partition): byTopic[partition.topic, default: []].append(partition.partition)
            case .group(let group): groups.append(group)
            }
        }
        var topics = byTopic.sorted { $0.key < $1.key }.map {
            WriteTxnMarkersRequest.WritableTxnMarkerTopic(name: $0.key, partitionIndexes: $0.value.sorted())
        }
        if !groups.isEmpty {
            topics.append(WriteTxnMarkersRequest.WritableTxnMarkerTopic(
                name: BrokerApis.groupMetadataTopicName, partitionIndexes: [0]))
        }
        return WriteTxnMarkersRequest(markers: [
            WriteTxnMarkersRequest.WritableTxnMarker(
                producerId: markers.producerId, producerEpoch: markers.producerEpoch, transactionResult: markers.commit,
                topics: topics, coordinatorEpoch: markers.coordinatorEpoch, groupIds: groups.sorted())
        ])
    }

    static func errors(_ response: WriteTxnMarkersResponse) -> [TopicPartition: ErrorCode] {
        var errors: [TopicPartition: ErrorCode] = [:]
        for marker in response.markers {
            for topic in marker.topics {
                for partition in topic.partitions {
                    errors[TopicPartition(topic: topic.name, partition: partition.partitionIndex)] = ErrorCode(rawValue: partition.errorCode)
                }
            }
        }
        return errors
    }
}

/// One destination of a transaction's marker.
enum MarkerTarget: Sendable, Hashable, CustomStringConvertible {
    case partition(TopicPartition)
    case group(String)

    /// Where its error is found in a WriteTxnMarkers response: group markers all answer under
    /// `__consumer_offsets` partition 0.
    var responseKey: TopicPartition {
        switch self {
        case .partition(let partition): partition
        case .group: TopicPartition(topic: BrokerApis.groupMetadataTopicName, partition: 0)
        }
    }

    var description: String {
        switch self {
        case .partition(let partition): "\(partition)"
        case .group(let group): "group \(group)"
        }
    }
}
