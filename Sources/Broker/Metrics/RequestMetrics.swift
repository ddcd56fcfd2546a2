import CoreMetrics
import Synchronization

/// Kafka's `RequestMetrics` (`kafka.network<type=RequestMetrics, name=..., request=...>`): a request count per
/// request name and version, and latency histograms in milliseconds per request name for the total time and its
/// parts: waiting to start (request queue), handled here (local), parked for other brokers or data (remote),
/// answer waiting for the socket (response queue: nothing here, the answer is written at once) and being sent.
final class RequestMetrics: Sendable {
    static let histogramNames = [
        "kafka_network_requestmetrics_totaltimems", "kafka_network_requestmetrics_requestqueuetimems",
        "kafka_network_requestmetrics_localtimems", "kafka_network_requestmetrics_remotetimems",
        "kafka_network_requestmetrics_responsequeuetimems", "kafka_network_requestmetrics_responsesendtimems",
    ]

    private struct Histograms: Sendable {
        var total, requestQueue, local, remote, responseQueue, responseSend: Recorder
    }

    private struct VersionKey: Hashable {
        var name: String
        var version: Int16
    }

    private let factory: any MetricsFactory
    private let histograms = Mutex<[String: Histograms]>([:])
    private let counters = Mutex<[VersionKey: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Records a request answered (or not answered: acks=0) at `sentNs`.
    func record(_ trace: RequestTrace, answeredNs: UInt64, sentNs: UInt64) {
        guard let name = trace.name else { return }
        let version = trace.version
        let requests = counters.withLock { counters in
            let key = VersionKey(name: name, version: version)
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "kafka_network_requestmetrics_requests_total",
                dimensions: [("request", name), ("version", String(version))], factory: factory)
            counters[key] = counter
            return counter
        }
        requests.increment()
        let timings = histograms.withLock { histograms in
            if let existing = histograms[name] { return existing }
            func recorder(_ label: String) -> Recorder {
                Recorder(label: label, dimensions: [("request", name)], aggregate: true, factory: factory)
            }
            let names = Self.histogramNames
            let created = Histograms(
                total: recorder(names[0]), requestQueue: recorder(names[1]), local: recorder(names[2]),
                remote: recorder(names[3]), responseQueue: recorder(names[4]), responseSend: recorder(names[5]))
            histograms[name] = created
            return created
        }
        let remoteNs = trace.remoteNs
        let handledNs = answeredNs &- trace.startedNs
        timings.requestQueue.record(Self.ms(trace.startedNs &- trace.receivedNs))
        timings.local.record(Self.ms(handledNs > remoteNs ? handledNs - remoteNs : 0))
        timings.remote.record(Self.ms(remoteNs))
        timings.responseQueue.record(0.0)
        timings.responseSend.record(Self.ms(sentNs &- answeredNs))
        timings.total.record(Self.ms(sentNs &- trace.receivedNs))
    }

    private static func ms(_ nanoseconds: UInt64) -> Double {
        // Clocks are monotonic, but a wrapped difference from a misordered read must not become centuries.
        nanoseconds > UInt64(Int64.max) ? 0 : Double(nanoseconds) / 1_000_000
    }
}
