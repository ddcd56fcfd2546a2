import Coordination
import KafkaClient
import KafkaProtocol
import Logging

/// The broker's side of a controlled shutdown (Kafka's `KafkaServer.controlledShutdown`): before it stops serving,
/// it asks the controller to move its leaderships to other ISR members and to take it out of the ISRs, so
/// producers and consumers move on at once instead of waiting for its ZooKeeper session to expire. Up to
/// `controlled.shutdown.max.retries` attempts, `controlled.shutdown.retry.backoff.ms` apart; when none succeeds the
/// broker stops anyway (its partitions then move when its registration vanishes).
struct ControlledShutdown: Sendable {
    /// One attempt: the controller's answer, or why there was none.
    enum Attempt: Sendable, Equatable {
        case answered(ControlledShutdownResult)
        case unreachable(String)
        /// The broker is not registered (its session ended): the controller has already moved its partitions.
        case notRegistered
    }

    let brokerId: Int32
    let maxRetries: Int
    let retryBackoff: Duration
    let attempt: @Sendable () async -> Attempt
    let logger: Logger

    /// True when the controller moved every leadership it could; false after the last failed attempt.
    func run() async -> Bool {
        logger.info("Starting controlled shutdown")
        var remainingRetries = maxRetries
        while remainingRetries > 0 {
            remainingRetries -= 1
            switch await attempt() {
            case .answered(.completed(let remaining)) where remaining.isEmpty:
                logger.info("Controlled shutdown succeeded")
                return true
            case .answered(.completed(let remaining)):
                logger.info(
                    "Remaining partitions to move: \(remaining.prefix(20).map(\.description).joined(separator: ","))\(remaining.count > 20 ? ",... (\(remaining.count))" : "")")
            case .answered(.failed(let code)):
                logger.info("Error from controller: \(code)")
            case .unreachable(let reason):
                logger.warning("Error during controlled shutdown, possibly because leader movement took longer than the configured controller.socket.timeout.ms: \(reason)")
            case .notRegistered:
                logger.info("Skipping controlled shutdown: this broker is not registered in ZooKeeper now, so the controller has already moved its partitions")
                return false
            }
            guard remainingRetries > 0, (try? await Task.sleep(for: retryBackoff)) != nil else { break }
            logger.warning("Retrying controlled shutdown after the previous attempt failed...")
        }
        logger.warning("Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed")
        return false
    }
}

extension ControlledShutdown {
    /// Attempts that send ControlledShutdown v3 to the controller this broker's metadata names, on its inter-broker
    /// listener, naming this broker's current registration (Kafka reads both from the metadata cache too, so a
    /// broker cut off from ZooKeeper can still ask).
    static func overTheWire(
        brokerId: Int32, metadataCache: MetadataCache, brokerEpoch: @escaping @Sendable () -> Int64?, interBroker: InterBrokerClient,
        requestTimeout: Duration, logger: Logger
    ) -> @Sendable () async -> Attempt {
        {
            guard let controllerId = metadataCache.controllerId, controllerId >= 0 else {
                return .unreachable("no controller is known")
            }
            guard let brokerEpoch = brokerEpoch() else { return .notRegistered }
            let listenerName = interBroker.listenerName
            guard let address = metadataCache.aliveBroker(controllerId)?.endpoints[listenerName] else {
                return .unreachable("controller \(controllerId) has no live endpoint for listener \(listenerName)")
            }
            let host = address.host.isEmpty ? "127.0.0.1" : address.host
            var configuration = interBroker.configuration(clientId: "broker-\(brokerId)-controlled-shutdown")
            configuration.negotiateApiVersions = false
            configuration.requestTimeout = requestTimeout
            do {
                let connection = try await KafkaConnection.connect(
                    host: host, port: Int(address.port), configuration: configuration, logger: logger)
                let response: ControlledShutdownResponse
                do {
                    response = try await connection.send(ControlledShutdownRequest(brokerId: brokerId, brokerEpoch: brokerEpoch), version: 3)
                } catch {
                    await connection.close()
                    throw error
                }
                await connection.close()
                guard response.errorCode == 0 else { return .answered(.failed(ErrorCode(rawValue: response.errorCode))) }
                return .answered(.completed(remaining: response.remainingPartitions.map { TopicPartition($0.topicName, $0.partitionIndex) }))
            } catch {
                return .unreachable("\(error)")
            }
        }
    }
}
