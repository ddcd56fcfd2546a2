import Foundation

/// `GET /metrics`: Prometheus' text format (version 0.0.4).
struct MetricsEndpoint: HttpResponder {
    let gauges: BrokerGauges

    func respond(to request: HttpRequest) async -> HttpResponse? {
        guard request.path == "/metrics" else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text("Only GET is served here\n", status: 405)
        }
        gauges.update(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        return HttpResponse(
            contentType: "text/plain; version=0.0.4; charset=utf-8", body: gauges.metrics.registry.emitToBuffer())
    }
}
