import Coordination
import KafkaProtocol

/// Builds the controller-to-broker requests from the controller's model, at the one version of each that Gregor's
/// brokers speak to each other: LeaderAndIsr v4, UpdateMetadata v6 and StopReplica v3, the newest without topic
/// ids, which Gregor's topic znodes (version 2) do not carry. (LeaderAndIsr v5 and UpdateMetadata v7 add topic
/// ids; v5 also moves the partition errors of the answer under topic ids.) Pure functions, so the wire shape can
/// be checked without sockets.
///
/// Partitions are grouped by topic in first-seen order (these versions group them; the ungrouped lists are for
/// older versions).
enum ControllerRequests {
    static let leaderAndIsrVersion: Int16 = 4
    static let updateMetadataVersion: Int16 = 6
    static let stopReplicaVersion: Int16 = 3

    /// Kafka's `LeaderAndIsr.EpochDuringDelete`: the leader epoch StopReplica carries for a partition being deleted.
    static let epochDuringDelete: Int32 = -2
    /// Kafka's `LeaderAndIsr.NoEpoch`: StopReplica without an epoch check.
    static let noEpoch: Int32 = -1

    static func leaderAndIsr(
        controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64, partitions: [PartitionState],
        leaders: [(broker: BrokerInfo, endPoint: EndPoint)]
    ) -> LeaderAndIsrRequest {
        var request = LeaderAndIsrRequest()
        request.controllerId = controllerId
        request.controllerEpoch = controllerEpoch
        request.brokerEpoch = brokerEpoch
        request.type = 0  // incremental: only the partitions listed change
        request.topicStates = grouped(partitions).map { topic, states in
            var topicState = LeaderAndIsrRequest.LeaderAndIsrTopicState()
            topicState.topicName = topic
            topicState.partitionStates = states.map { state in
                var partition = LeaderAndIsrRequest.LeaderAndIsrPartitionState()
                partition.topicName = state.topic
                partition.partitionIndex = state.partition
                partition.controllerEpoch = state.controllerEpoch
                partition.leader = state.leader
                partition.leaderEpoch = state.leaderEpoch
                partition.isr = state.isr
                partition.zkVersion = state.zkVersion
                partition.replicas = state.replicas
                partition.addingReplicas = state.addingReplicas
                partition.removingReplicas = state.removingReplicas
                partition.isNew = state.isNew
                return partition
            }
            return topicState
        }
        request.liveLeaders = leaders.map { leader in
            var live = LeaderAndIsrRequest.LeaderAndIsrLiveLeader()
            live.brokerId = leader.broker.id
            live.hostName = leader.endPoint.host
            live.port = Int32(leader.endPoint.port)
            return live
        }
        return request
    }

    static func updateMetadata(
        controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64, partitions: [PartitionState],
        liveBrokers: [BrokerInfo]
    ) -> UpdateMetadataRequest {
        var request = UpdateMetadataRequest()
        request.controllerId = controllerId
        request.controllerEpoch = controllerEpoch
        request.brokerEpoch = brokerEpoch
        request.topicStates = grouped(partitions).map { topic, states in
            var topicState = UpdateMetadataRequest.UpdateMetadataTopicState()
            topicState.topicName = topic
            topicState.partitionStates = states.map { state in
                var partition = UpdateMetadataRequest.UpdateMetadataPartitionState()
                partition.topicName = state.topic
                partition.partitionIndex = state.partition
                partition.controllerEpoch = state.controllerEpoch
                partition.leader = state.leader
                partition.leaderEpoch = state.leaderEpoch
                partition.isr = state.isr
                partition.zkVersion = state.zkVersion
                partition.replicas = state.replicas
                partition.offlineReplicas = state.offlineReplicas
                return partition
            }
            return topicState
        }
        request.liveBrokers = liveBrokers.map { broker in
            var live = UpdateMetadataRequest.UpdateMetadataBroker()
            live.id = broker.id
            live.endpoints = broker.endPoints.map { endPoint in
                var wire = UpdateMetadataRequest.UpdateMetadataEndpoint()
                wire.host = endPoint.host
                wire.port = Int32(endPoint.port)
                wire.listener = endPoint.listenerName
                wire.securityProtocol = endPoint.securityProtocol.id
                return wire
            }
            live.rack = broker.rack
            return live
        }
        return request
    }

    static func stopReplica(
        controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [TopicPartition], deletePartitions: Bool
    ) -> StopReplicaRequest {
        var request = StopReplicaRequest()
        request.controllerId = controllerId
        request.controllerEpoch = controllerEpoch
        request.brokerEpoch = brokerEpoch
        request.deletePartitions = deletePartitions  // v0-2 only; v3 says it per partition
        request.topicStates = grouped(partitions, topic: \.topic).map { topic, entries in
            var topicState = StopReplicaRequest.StopReplicaTopicState()
            topicState.topicName = topic
            topicState.partitionStates = entries.map { entry in
                var state = StopReplicaRequest.StopReplicaPartitionState()
                state.partitionIndex = entry.partition
                state.leaderEpoch = deletePartitions ? epochDuringDelete : noEpoch
                state.deletePartition = deletePartitions
                return state
            }
            return topicState
        }
        return request
    }

    /// A LeaderAndIsr answer's partition errors: a flat list before v5, grouped under topic ids from v5.
    static func partitionErrors(
        _ response: LeaderAndIsrResponse, version: Int16
    ) -> [LeaderAndIsrResponse.LeaderAndIsrPartitionError] {
        version < 5 ? response.partitionErrors : response.topics.flatMap(\.partitionErrors)
    }

    /// Each partition's error code from a StopReplica response.
    static func partitionErrors(_ response: StopReplicaResponse) -> [TopicPartition: ErrorCode] {
        var errors: [TopicPartition: ErrorCode] = [:]
        for error in response.partitionErrors {
            errors[TopicPartition(topic: error.topicName, partition: error.partitionIndex)] = ErrorCode(rawValue: error.errorCode)
        }
        return errors
    }

    private static func grouped(_ partitions: [PartitionState]) -> [(String, [PartitionState])] {
        grouped(partitions, topic: \.topic)
    }

    /// Elements grouped by topic, topics in first-seen order, elements in their original order.
    private static func grouped<Element>(_ elements: [Element], topic: (Element) -> String) -> [(String, [Element])] {
        var order: [String] = []
        var groups: [String: [Element]] = [:]
        for element in elements {
            let name = topic(element)
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(element)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }
}

/// The way back: a partition state as a broker receives it, in the controller's one shape.
extension PartitionState {
    init(topic: String, _ wire: LeaderAndIsrRequest.LeaderAndIsrPartitionState) {
        self.init(
            topic: topic, partition: wire.partitionIndex, controllerEpoch: wire.controllerEpoch, leader: wire.leader,
            leaderEpoch: wire.leaderEpoch, isr: wire.isr, zkVersion: wire.zkVersion, replicas: wire.replicas,
            addingReplicas: wire.addingReplicas, removingReplicas: wire.removingReplicas, isNew: wire.isNew)
    }

    init(topic: String, _ wire: UpdateMetadataRequest.UpdateMetadataPartitionState) {
        self.init(
            topic: topic, partition: wire.partitionIndex, controllerEpoch: wire.controllerEpoch, leader: wire.leader,
            leaderEpoch: wire.leaderEpoch, isr: wire.isr, zkVersion: wire.zkVersion, replicas: wire.replicas,
            offlineReplicas: wire.offlineReplicas)
    }

    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
