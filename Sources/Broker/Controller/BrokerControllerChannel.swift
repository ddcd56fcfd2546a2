import Coordination
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import NIOPosix

/// The controller's channel to brokers over the wire: LeaderAndIsr v5, UpdateMetadata v7 and StopReplica v3 sent
/// with `KafkaConnection` to each broker's endpoint on the inter-broker listener (`inter.broker.listener.name`,
/// or the listener named after `security.inter.broker.protocol`), as registered in `/brokers/ids/<id>`.
///
/// One connection per broker, opened on first use and reopened after it failed (`BrokerConnectionPool`); the
/// versions are fixed rather than negotiated, as Kafka's controller picks them from
/// `inter.broker.protocol.version`. A non-zero top-level error code in the answer (STALE_CONTROLLER_EPOCH,
/// STALE_BROKER_EPOCH, ...) throws, so the controller's `ControllerChannelManager` sends the request again;
/// per-partition errors of LeaderAndIsr are logged, those of StopReplica returned.
public struct BrokerControllerChannel: ControllerChannel {
    public struct Configuration: Sendable {
        /// The listener brokers talk to each other on (`BrokerConfig.interBrokerListenerName`).
        public var interBrokerListenerName: String
        /// Kafka's `controller.socket.timeout.ms` (30 s): how long one request may wait for its answer.
        public var requestTimeout: Duration
        /// How long connecting to a broker may take.
        public var connectTimeout: Duration

        public init(interBrokerListenerName: String, requestTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10)) {
            self.interBrokerListenerName = interBrokerListenerName
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
        }
    }

    let configuration: Configuration
    let pool: BrokerConnectionPool
    let logger: Logger

    /// - Parameter localBrokerId: this broker's id, sent as the client id (as Kafka's controller does).
    public init(
        localBrokerId: Int32, configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.configuration = configuration
        var connection = KafkaConnectionConfiguration(clientId: String(localBrokerId))
        connection.connectTimeout = configuration.connectTimeout
        connection.requestTimeout = configuration.requestTimeout
        connection.negotiateApiVersions = false
        self.pool = BrokerConnectionPool(configuration: connection, eventLoopGroup: eventLoopGroup, logger: logger)
        self.logger = logger
    }

    /// Closes every connection (at controller resignation or broker shutdown).
    public func close() async {
        await pool.closeAll()
    }

    public func leaderAndIsr(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], leaders: [BrokerInfo]
    ) async throws {
        let leaderEndPoints = try leaders.map { ($0, try endPoint(of: $0)) }
        let request = ControllerRequests.leaderAndIsr(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            partitions: partitions, leaders: leaderEndPoints)
        let response = try await send(request, version: ControllerRequests.leaderAndIsrVersion, to: broker)
        try check(response.errorCode, api: .leaderAndIsr, broker: broker)
        let failed = response.topics.flatMap(\.partitionErrors).filter { $0.errorCode != 0 }
        for error in failed {
            logger.warning(
                "Broker \(broker.id) answered LeaderAndIsr for \(error.topicName)-\(error.partitionIndex) with \(ErrorCode(rawValue: error.errorCode))")
        }
    }

    public func updateMetadata(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], liveBrokers: [BrokerInfo]
    ) async throws {
        let request = ControllerRequests.updateMetadata(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            partitions: partitions, liveBrokers: liveBrokers)
        let response = try await send(request, version: ControllerRequests.updateMetadataVersion, to: broker)
        try check(response.errorCode, api: .updateMetadata, broker: broker)
    }

    public func stopReplica(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [(topic: String, partition: Int32)], deletePartitions: Bool
    ) async throws -> [String: [Int32: Int16]] {
        let request = ControllerRequests.stopReplica(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            partitions: partitions, deletePartitions: deletePartitions)
        let response = try await send(request, version: ControllerRequests.stopReplicaVersion, to: broker)
        try check(response.errorCode, api: .stopReplica, broker: broker)
        return ControllerRequests.partitionErrors(response)
    }

    /// The broker's endpoint on the inter-broker listener.
    func endPoint(of broker: BrokerInfo) throws(ControllerChannelError) -> EndPoint {
        guard let endPoint = broker.endPoints.first(where: { $0.listenerName == configuration.interBrokerListenerName })
        else {
            throw .noInterBrokerEndPoint(brokerId: broker.id, listener: configuration.interBrokerListenerName)
        }
        guard endPoint.securityProtocol == .plaintext else {
            throw .unsupportedSecurityProtocol(brokerId: broker.id, endPoint.securityProtocol)
        }
        return endPoint
    }

    private func send<R: KafkaRequest>(_ request: R, version: Int16, to broker: BrokerInfo) async throws -> R.Response {
        let endPoint = try endPoint(of: broker)
        let connection = try await pool.connection(to: broker.id, endPoint: endPoint)
        return try await connection.send(request, version: version, timeout: configuration.requestTimeout)
    }

    private func check(_ errorCode: Int16, api: ApiKey, broker: BrokerInfo) throws(KafkaClientError) {
        guard errorCode != 0 else { return }
        throw .broker(ErrorCode(rawValue: errorCode), context: "\(api) to broker \(broker.id)", message: nil)
    }
}

/// Why the controller cannot reach a broker at all (as opposed to a failed request).
public enum ControllerChannelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The broker registered no endpoint for the inter-broker listener.
    case noInterBrokerEndPoint(brokerId: Int32, listener: String)
    /// Only PLAINTEXT listeners can be reached for now.
    case unsupportedSecurityProtocol(brokerId: Int32, SecurityProtocol)

    public var description: String {
        switch self {
        case .noInterBrokerEndPoint(let id, let listener):
            return "broker \(id) registered no endpoint for the inter-broker listener \(listener)"
        case .unsupportedSecurityProtocol(let id, let securityProtocol):
            return "broker \(id)'s inter-broker listener uses \(securityProtocol.rawValue), which is not supported yet"
        }
    }
}
