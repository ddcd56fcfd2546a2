import Coordination
import KafkaClient
import Logging

/// `metrics.listener`: the HTTP server for Prometheus and the web console, and the cluster sampler behind both.
struct MonitoringServices: Sendable {
    let http: HttpServer
    let sampler: ClusterSampler
}

extension KafkaServer {
    /// Binds `metrics.listener` (nil when unset) and prepares the sampler; the caller runs `sampler.run()`.
    func startMonitoring(
        brokerId: Int32, clusterId: String, broker: BrokerInfo, metrics: BrokerMetrics, metricsSource: BrokerGauges.Source,
        metadataCache: MetadataCache, session: CurrentZkSession, interBroker: InterBrokerClient
    ) async throws -> MonitoringServices? {
        guard let listener = config.metricsListener else { return nil }
        let endPoint = broker.endPoints.first { $0.listenerName == interBroker.listenerName } ?? broker.endPoints[0]
        let host = ["", "0.0.0.0", "::"].contains(endPoint.host) ? "127.0.0.1" : endPoint.host
        var clientLogger = logger
        clientLogger.logLevel = .warning
        let client = KafkaClusterClient(
            bootstrapServers: [BrokerAddress(host: host, port: endPoint.port)],
            configuration: .init(connection: interBroker.configuration(clientId: "broker-\(brokerId)-sampler"), operationTimeout: .seconds(5)),
            logger: clientLogger)
        let sampler = ClusterSampler(
            metadataCache: metadataCache, client: client,
            logger: logger)
        let console = WebConsole(context: .init(
            brokerId: brokerId, clusterId: clusterId, adminEnabled: config.bool("console.admin.enable"), sampler: sampler,
            metadataCache: metadataCache, zk: { session.zk }, client: client))
        let gauges = BrokerGauges(metrics: metrics, source: metricsSource, sampler: sampler)
        let http = try await HttpServer.bind(
            host: listener.host, port: listener.port, responders: [MetricsEndpoint(gauges: gauges), console], logger: logger)
        return MonitoringServices(http: http, sampler: sampler)
    }
}
