import Coordination
import KafkaClient
import KafkaProtocol
import Logging
import Synchronization

/// The controller's requests to brokers over the wire (the sending half of Kafka's `ControllerChannelManager`;
/// the ordering, retries and per-broker queues are Coordination's). One cached connection per broker on the
/// inter-broker listener, replaced after any failure.
///
/// Versions: LeaderAndIsr v4, UpdateMetadata v6 and StopReplica v3 are the newest without topic ids, which
/// Gregor's ZooKeeper topic znodes (version 2) do not carry.
final class BrokerControllerChannel: ControllerChannel {
    static let leaderAndIsrVersion: Int16 = 4
    static let updateMetadataVersion: Int16 = 6
    static let stopReplicaVersion: Int16 = 3

    private let listenerName: String
    private let requestTimeout: Duration
    private let logger: Logger
    private let connections = Mutex<[Int32: KafkaConnection]>([:])

    init(listenerName: String, requestTimeout: Duration, logger: Logger) {
        self.listenerName = listenerName
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    func leaderAndIsr(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], leaders: [BrokerInfo]
    ) async throws {
        let request = LeaderAndIsrRequest(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            topicStates: Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, states in
                .init(topicName: topic, partitionStates: states.map {
                    .init(
                        partitionIndex: $0.partition, controllerEpoch: $0.controllerEpoch, leader: $0.leader,
                        leaderEpoch: $0.leaderEpoch, isr: $0.isr, zkVersion: $0.zkVersion, replicas: $0.replicas,
                        addingReplicas: $0.addingReplicas, removingReplicas: $0.removingReplicas, isNew: $0.isNew)
                })
            },
            liveLeaders: leaders.compactMap { leader in
                endPoint(of: leader).map { .init(brokerId: leader.id, hostName: $0.host, port: Int32($0.port)) }
            })
        let response = try await send(request, version: Self.leaderAndIsrVersion, to: broker)
        try check(response.errorCode, "LeaderAndIsr", broker)
    }

    func updateMetadata(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], liveBrokers: [BrokerInfo]
    ) async throws {
        let request = UpdateMetadataRequest(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            topicStates: Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, states in
                .init(topicName: topic, partitionStates: states.map {
                    .init(
                        partitionIndex: $0.partition, controllerEpoch: $0.controllerEpoch, leader: $0.leader,
                        leaderEpoch: $0.leaderEpoch, isr: $0.isr, zkVersion: $0.zkVersion, replicas: $0.replicas,
                        offlineReplicas: $0.offlineReplicas)
                })
            },
            liveBrokers: liveBrokers.map { live in
                .init(
                    id: live.id,
                    endpoints: live.endPoints.map {
                        .init(port: Int32($0.port), host: $0.host, listener: $0.listenerName, securityProtocol: $0.securityProtocol.id)
                    },
                    rack: live.rack)
            })
        let response = try await send(request, version: Self.updateMetadataVersion, to: broker)
        try check(response.errorCode, "UpdateMetadata", broker)
    }

    func stopReplica(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [(topic: String, partition: Int32)], deletePartitions: Bool
    ) async throws -> [String: [Int32: Int16]] {
        let request = StopReplicaRequest(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            topicStates: Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, entries in
                .init(topicName: topic, partitionStates: entries.map {
                    .init(partitionIndex: $0.partition, leaderEpoch: -2, deletePartition: deletePartitions)
                })
            })
        let response = try await send(request, version: Self.stopReplicaVersion, to: broker)
        try check(response.errorCode, "StopReplica", broker)
        var errors: [String: [Int32: Int16]] = [:]
        for error in response.partitionErrors { errors[error.topicName, default: [:]][error.partitionIndex] = error.errorCode }
        return errors
    }

    func closeAll() async {
        let all = connections.withLock { connections in
            defer { connections.removeAll() }
            return Array(connections.values)
        }
        for connection in all { await connection.close() }
    }

    private func endPoint(of broker: BrokerInfo) -> EndPoint? {
        broker.endPoints.first { $0.listenerName == listenerName }
    }

    private func send<Request: KafkaRequest>(_ request: Request, version: Int16, to broker: BrokerInfo) async throws -> Request.Response {
        let connection = try await connection(to: broker)
        do {
            return try await connection.send(request, version: version, timeout: requestTimeout)
        } catch {
            // The next attempt reconnects; a broker that restarted has a new socket.
            _ = connections.withLock { $0[broker.id] === connection ? $0.removeValue(forKey: broker.id) : nil }
            await connection.close()
            throw error
        }
    }

    private func connection(to broker: BrokerInfo) async throws -> KafkaConnection {
        if let cached = connections.withLock({ $0[broker.id] }) { return cached }
        guard let endPoint = endPoint(of: broker) else {
            throw ControllerChannelError.noEndPoint(broker: broker.id, listener: listenerName)
        }
        let connection = try await KafkaConnection.connect(
            host: endPoint.host.isEmpty ? "127.0.0.1" : endPoint.host, port: endPoint.port,
            configuration: KafkaConnectionConfiguration(clientId: "controller", requestTimeout: requestTimeout),
            logger: logger)
        let kept = connections.withLock { connections in
            if let raced = connections[broker.id] { return raced }
            connections[broker.id] = connection
            return connection
        }
        if kept !== connection { await connection.close() }
        return kept
    }

    private func check(_ code: Int16, _ api: String, _ broker: BrokerInfo) throws {
        guard code == 0 else { throw ControllerChannelError.refused(api: api, broker: broker.id, errorCode: code) }
    }
}

enum ControllerChannelError: Error, CustomStringConvertible {
    case noEndPoint(broker: Int32, listener: String)
    case refused(api: String, broker: Int32, errorCode: Int16)

    var description: String {
        switch self {
        case .noEndPoint(let broker, let listener): "broker \(broker) has no endpoint for listener \(listener)"
        case .refused(let api, let broker, let code): "broker \(broker) refused \(api) with error \(ErrorCode(rawValue: code))"
        }
    }
}
