import Prometheus
import Synchronization

/// One gauge family whose series are all set at each scrape (per partition, per group): series that were not set
/// in the latest scrape are unregistered, so a deleted topic or an emptied group stops being reported.
final class ScrapedGaugeFamily: Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    private let registry: PrometheusCollectorRegistry
    private let series = Mutex<[[String]: Gauge]>([:])

    init(_ name: String, labels labelNames: [String] = [], help: String, registry: PrometheusCollectorRegistry) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.registry = registry
    }

    /// Sets every series in `values` (label values in `labelNames` order) and drops the others.
    func update(_ values: [(labels: [String], value: Double)]) {
        series.withLock { series in
            var next: [[String]: Gauge] = [:]
            next.reserveCapacity(values.count)
            // The whole name as `metricName`: Kafka's names carry their unit already.
            let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
            for (labelValues, value) in values where labelValues.count == labelNames.count {
                let gauge = series[labelValues] ?? registry.makeGauge(
                    descriptor: descriptor, labels: Array(zip(labelNames, labelValues)))
                gauge.set(value)
                next[labelValues] = gauge
            }
            for (labelValues, gauge) in series where next[labelValues] == nil {
                registry.unregisterGauge(gauge)
            }
            series = next
        }
    }

    /// The family's single unlabelled series.
    func set(_ value: Double) {
        update([([], value)])
    }
}
