import KafkaProtocol
import Coordination
import Synchronization

/// A fake of the broker side of the controller's channel: records every request in the order brokers got them, and
/// answers StopReplica with `stopReplicaError` for every partition (0 = deleted).
final class RecordingChannel: ControllerChannel {
    struct LeaderAndIsrCall: Sendable {
        var broker: Int32
        var controllerId: Int32
        var controllerEpoch: Int32
        var brokerEpoch: Int64
        var partitions: [PartitionState]
        var leaders: [Int32]
    }

    struct UpdateMetadataCall: Sendable {
        var broker: Int32
        var controllerEpoch: Int32
        var brokerEpoch: Int64
        var partitions: [PartitionState]
        var liveBrokers: [Int32]
    }

    struct StopReplicaCall: Sendable {
        var broker: Int32
        var partitions: [String]  // "topic-partition"
        var delete: Bool
    }

    enum Call: Sendable {
        case leaderAndIsr(LeaderAndIsrCall)
        case updateMetadata(UpdateMetadataCall)
        case stopReplica(StopReplicaCall)
    }

    private let recorded = Mutex<[Call]>([])
    let stopReplicaError = Mutex<ErrorCode>(.noError)

    var calls: [Call] { recorded.withLock { $0 } }

    var leaderAndIsrCalls: [LeaderAndIsrCall] {
        calls.compactMap { if case .leaderAndIsr(let call) = $0 { call } else { nil } }
    }

    var updateMetadataCalls: [UpdateMetadataCall] {
        calls.compactMap { if case .updateMetadata(let call) = $0 { call } else { nil } }
    }

    var stopReplicaCalls: [StopReplicaCall] {
        calls.compactMap { if case .stopReplica(let call) = $0 { call } else { nil } }
    }

    /// The last LeaderAndIsr state `broker` got for the partition.
    func leaderAndIsr(broker: Int32, topic: String, partition: Int32) -> PartitionState? {
        leaderAndIsrCalls.filter { $0.broker == broker }.flatMap(\.partitions)
            .last { $0.topic == topic && $0.partition == partition }
    }

    /// The last UpdateMetadata state `broker` got for the partition.
    func metadata(broker: Int32, topic: String, partition: Int32) -> PartitionState? {
        updateMetadataCalls.filter { $0.broker == broker }.flatMap(\.partitions)
            .last { $0.topic == topic && $0.partition == partition }
    }

    func leaderAndIsr(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], leaders: [BrokerInfo]
    ) async throws -> [TopicPartition: ErrorCode] {
        let call = LeaderAndIsrCall(
            broker: broker.id, controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            partitions: partitions, leaders: leaders.map(\.id))
        recorded.withLock { $0.append(.leaderAndIsr(call)) }
        return [:]
    }

    func updateMetadata(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], liveBrokers: [BrokerInfo]
    ) async throws {
        let call = UpdateMetadataCall(
            broker: broker.id, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch, partitions: partitions,
            liveBrokers: liveBrokers.map(\.id))
        recorded.withLock { $0.append(.updateMetadata(call)) }
    }

    func stopReplica(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [TopicPartition], deletePartitions: Bool
    ) async throws -> [TopicPartition: ErrorCode] {
        let call = StopReplicaCall(broker: broker.id, partitions: partitions.map { "\($0.topic)-\($0.partition)" }, delete: deletePartitions)
        recorded.withLock { $0.append(.stopReplica(call)) }
        let error = stopReplicaError.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: partitions.map { ($0, error) })
    }
}
