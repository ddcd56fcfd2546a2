import Coordination
import KafkaClient
import Logging
import NIOCore

/// One `KafkaConnection` per broker id for the controller's channel. A connection is opened on first use, shared
/// by later requests, and replaced when it has failed or the broker registered a different endpoint; concurrent
/// callers for the same broker share one connection attempt.
actor BrokerConnectionPool {
    private struct Entry {
        var endPoint: EndPoint
        var connecting: Task<KafkaConnection, any Error>
    }

    private let configuration: KafkaConnectionConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var entries: [Int32: Entry] = [:]

    init(configuration: KafkaConnectionConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    func connection(to brokerId: Int32, endPoint: EndPoint) async throws -> KafkaConnection {
        if let entry = entries[brokerId] {
            if entry.endPoint == endPoint, let connection = try? await entry.connecting.value, connection.isActive {
                return connection
            }
            // Failed, closed, or the broker moved: drop it (if no other caller replaced it meanwhile).
            if entries[brokerId]?.connecting == entry.connecting {
                entries[brokerId] = nil
                if let stale = try? await entry.connecting.value { await stale.close() }
            }
        }
        if let entry = entries[brokerId], entry.endPoint == endPoint {
            return try await entry.connecting.value
        }
        let (configuration, eventLoopGroup, logger) = (self.configuration, self.eventLoopGroup, self.logger)
        let task = Task {
            try await KafkaConnection.connect(
                host: endPoint.host, port: endPoint.port, configuration: configuration, eventLoopGroup: eventLoopGroup,
                logger: logger)
        }
        entries[brokerId] = Entry(endPoint: endPoint, connecting: task)
        do {
            let connection = try await task.value
            logger.debug("Controller connected to broker \(brokerId) at \(endPoint)")
            return connection
        } catch {
            if entries[brokerId]?.connecting == task { entries[brokerId] = nil }
            throw error
        }
    }

    func closeAll() async {
        let tasks = entries.values.map(\.connecting)
        entries.removeAll()
        for task in tasks {
            if let connection = try? await task.value { await connection.close() }
        }
    }
}
