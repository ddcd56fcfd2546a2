import CoreMetrics
import ZooKeeper

/// Kafka's ZooKeeper client metrics: `ZooKeeperRequestLatencyMs` (kafka.server<type=ZooKeeperClientMetrics>) and
/// the session listener's meters (kafka.server<type=SessionExpireListener>: expiries, disconnects, connects).
/// The session state itself is read at scrape time (`BrokerGauges`).
final class ZooKeeperClientMetrics: Sendable {
    static let latencyName = "kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms"

    let requestLatency: Recorder
    let expires: Counter
    let disconnects: Counter
    let syncConnects: Counter

    init(factory: any MetricsFactory) {
        requestLatency = Recorder(label: Self.latencyName, aggregate: true, factory: factory)
        expires = Counter(label: "kafka_server_sessionexpirelistener_zookeeperexpires_total", factory: factory)
        disconnects = Counter(label: "kafka_server_sessionexpirelistener_zookeeperdisconnects_total", factory: factory)
        syncConnects = Counter(label: "kafka_server_sessionexpirelistener_zookeepersyncconnects_total", factory: factory)
    }

    func recordSessionState(_ state: SessionState) {
        switch state {
        case .connected: syncConnects.increment()
        case .disconnected: disconnects.increment()
        case .expired: expires.increment()
        case .connecting, .authFailed, .closed: break
        }
    }

    func recordRequest(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        requestLatency.record(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
