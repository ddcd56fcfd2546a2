import NIOPosix

/// `GET /metrics`: Prometheus' text format (version 0.0.4).
///
/// Reading the gauges and writing the text for 10,000 partitions is about 20 ms of CPU: it runs on a thread
/// of its own at a lower scheduling priority (nice +10), never on Swift's cooperative pool, which serves the
/// requests, so a scrape waits for the request path rather than the other way round.
final class MetricsEndpoint: HttpResponder {
    let gauges: BrokerGauges
    private let thread: NIOThreadPool

    init(gauges: BrokerGauges) {
        self.gauges = gauges
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        thread.submit { _ in Self.lowerPriority() }
    }

    deinit {
        thread.shutdownGracefully { _ in }
    }

    func respond(to request: HttpRequest) async -> HttpResponse? {
        guard request.path == "/metrics" else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text("Only GET is served here\n", status: 405)
        }
        let gauges = self.gauges
        let body = try? await thread.runIfActive { gauges.scrape() }
        guard let body else { return .text("The broker is shutting down\n", status: 503) }
        return HttpResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
    }

    /// Linux schedules threads, and nice applies per thread: only this one yields to the request path.
    private static func lowerPriority() {
        #if os(Linux)
        // Who 0 is the calling thread on Linux (NPTL keeps the nice value per thread).
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
