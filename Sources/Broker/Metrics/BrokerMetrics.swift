import CoreMetrics
import Prometheus

/// Every metric one broker records, in one Prometheus registry, named as the common JMX-exporter rules render
/// Kafka's JMX metrics (`kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count` becomes
/// `kafka_server_brokertopicmetrics_messagesin_total`), so dashboards and alerts written for Kafka work unchanged.
///
/// Events (messages in, requests, ISR changes, ZooKeeper requests) are counted through swift-metrics as they
/// happen; state (partition counts, log sizes, lag, process figures) is read when Prometheus scrapes
/// (`BrokerGauges`). One registry per broker, not the process-wide metrics system, so that tests may run several
/// brokers in one process.
public final class BrokerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let topics: BrokerTopicStats
    let requests: RequestMetrics
    let zooKeeper: ZooKeeperClientMetrics
    /// Kafka's `IsrShrinksPerSec` / `IsrExpandsPerSec`: ISR changes this broker made as leader.
    let isrShrinks: CoreMetrics.Counter
    let isrExpands: CoreMetrics.Counter

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Kafka's request and ZooKeeper latencies are in milliseconds: sub-millisecond to half a minute.
        let milliseconds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]
        for name in RequestMetrics.histogramNames + [ZooKeeperClientMetrics.latencyName] {
            factory.valueHistogramBuckets[name] = milliseconds
        }
        self.registry = registry
        self.factory = factory
        topics = BrokerTopicStats(factory: factory)
        requests = RequestMetrics(factory: factory)
        zooKeeper = ZooKeeperClientMetrics(factory: factory)
        isrShrinks = Counter(label: "kafka_server_replicamanager_isrshrinks_total", factory: factory)
        isrExpands = Counter(label: "kafka_server_replicamanager_isrexpands_total", factory: factory)
    }
}
