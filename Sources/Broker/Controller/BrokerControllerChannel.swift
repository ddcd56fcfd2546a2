import Coordination
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import NIOPosix

/// The controller's requests to brokers over the wire (the sending half of Kafka's `ControllerChannelManager`; the
/// ordering, retries and per-broker queues are Coordination's): LeaderAndIsr, UpdateMetadata and StopReplica sent
/// with `KafkaConnection` to each broker's endpoint on the inter-broker listener (`inter.broker.listener.name`, or
/// the listener named after `security.inter.broker.protocol`), as registered in `/brokers/ids/<id>`.
///
/// One connection per broker, opened on first use and reopened after it failed or the broker re-registered
/// elsewhere (`BrokerConnectionPool`). Versions are fixed rather than negotiated, as Kafka's controller takes them
/// from `inter.broker.protocol.version` (see `ControllerRequests`). A non-zero top-level error code in the answer
/// (STALE_CONTROLLER_EPOCH, ...) throws, so `ControllerChannelManager` sends the request again; per-partition
/// errors of LeaderAndIsr are logged, those of StopReplica returned.
public struct BrokerControllerChannel: ControllerChannel {
    /// The listener brokers talk to each other on (`BrokerConfig.interBrokerListenerName`).
    let listenerName: String
    /// Whether this broker speaks TLS on that listener (`connection.tls`).
    let usesTls: Bool
    /// Kafka's `controller.socket.timeout.ms` (30 s): how long one request may wait for its answer.
    let requestTimeout: Duration
    let pool: BrokerConnectionPool
    let logger: Logger

    /// - Parameters:
    ///   - clientId: sent in every request header; the controller's broker id is a good one.
    ///   - connection: the inter-broker connection template (its TLS); client id and timeouts are set here.
    public init(
        listenerName: String, requestTimeout: Duration, connectTimeout: Duration = .seconds(10),
        clientId: String = "controller", connection template: KafkaConnectionConfiguration = KafkaConnectionConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.listenerName = listenerName
        self.requestTimeout = requestTimeout
        self.usesTls = template.tls != nil
        var connection = template
        connection.clientId = clientId
        connection.connectTimeout = connectTimeout
        connection.requestTimeout = requestTimeout
        connection.negotiateApiVersions = false
        self.pool = BrokerConnectionPool(configuration: connection, eventLoopGroup: eventLoopGroup, logger: logger)
        self.logger = logger
    }

    /// Closes every connection (at controller resignation or broker shutdown).
    public func closeAll() async {
        await pool.closeAll()
    }

    public func leaderAndIsr(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], leaders: [BrokerInfo]
    ) async throws -> [TopicPartition: ErrorCode] {
        let leaderEndPoints = try leaders.map { ($0, try endPoint(of: $0)) }
        let request = ControllerRequests.leaderAndIsr(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            partitions: partitions, leaders: leaderEndPoints)
        let response = try await send(request, version: ControllerRequests.leaderAndIsrVersion, to: broker)
        try check(response.errorCode, api: .leaderAndIsr, broker: broker)
        var errors: [TopicPartition: ErrorCode] = [:]
        for error in ControllerRequests.partitionErrors(response, version: ControllerRequests.leaderAndIsrVersion) {
            let partition = TopicPartition(error.topicName, error.partitionIndex)
            errors[partition] = ErrorCode(rawValue: error.errorCode)
            if error.errorCode != 0 {
                logger.warning("Broker \(broker.id) answered LeaderAndIsr for \(partition) with \(ErrorCode(rawValue: error.errorCode))")
            }
        }
        return errors
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
        partitions: [TopicPartition], deletePartitions: Bool
    ) async throws -> [TopicPartition: ErrorCode] {
        let request = ControllerRequests.stopReplica(
            controllerId: controllerId, controllerEpoch: controllerEpoch, brokerEpoch: brokerEpoch,
            partitions: partitions, deletePartitions: deletePartitions)
        let response = try await send(request, version: ControllerRequests.stopReplicaVersion, to: broker)
        try check(response.errorCode, api: .stopReplica, broker: broker)
        return ControllerRequests.partitionErrors(response)
    }

    /// The broker's endpoint on the inter-broker listener.
    func endPoint(of broker: BrokerInfo) throws(ControllerChannelError) -> EndPoint {
        guard var endPoint = broker.endPoints.first(where: { $0.listenerName == listenerName }) else {
            throw .noInterBrokerEndPoint(brokerId: broker.id, listener: listenerName)
        }
        guard endPoint.securityProtocol.usesTls == usesTls else {
            throw .securityProtocolMismatch(brokerId: broker.id, listener: listenerName, registered: endPoint.securityProtocol)
        }
        if endPoint.host.isEmpty { endPoint.host = "127.0.0.1" }  // bound to every interface, this one included
        return endPoint
    }

    private func send<R: KafkaRequest>(_ request: R, version: Int16, to broker: BrokerInfo) async throws -> R.Response {
        let endPoint = try endPoint(of: broker)
        let connection = try await pool.connection(to: broker.id, endPoint: endPoint)
        return try await connection.send(request, version: version, timeout: requestTimeout)
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
    /// The broker registered the inter-broker listener with TLS where this broker's
    /// `listener.security.protocol.map` has none, or the other way round.
    case securityProtocolMismatch(brokerId: Int32, listener: String, registered: SecurityProtocol)

    public var description: String {
        switch self {
        case .noInterBrokerEndPoint(let id, let listener):
            return "broker \(id) registered no endpoint for the inter-broker listener \(listener)"
        case .securityProtocolMismatch(let id, let listener, let registered):
            return "broker \(id) registered listener \(listener) as \(registered.rawValue), which this broker's "
                + "listener.security.protocol.map contradicts (TLS on one side only)"
        }
    }
}
