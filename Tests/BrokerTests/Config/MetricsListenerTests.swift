import Testing

@testable import Broker

/// `metrics.listener`: where metrics and the console are served.
@Suite struct MetricsListenerTests {
    @Test func acceptsUrlsAndHostPorts() throws {
        #expect(try MetricsListener(parsing: "http://127.0.0.1:9404") == MetricsListener(host: "127.0.0.1", port: 9404))
        #expect(try MetricsListener(parsing: "http://127.0.0.1:9404/") == MetricsListener(host: "127.0.0.1", port: 9404))
        #expect(try MetricsListener(parsing: "localhost:0") == MetricsListener(host: "localhost", port: 0))
        #expect(try MetricsListener(parsing: "HTTP://:9404") == MetricsListener(host: "0.0.0.0", port: 9404))
        #expect(try MetricsListener(parsing: "http://[::1]:9404") == MetricsListener(host: "::1", port: 9404))
        #expect(try MetricsListener(parsing: "  ") == nil)
    }

    @Test func refusesWhatIsNotHostPort() {
        for text in ["http://127.0.0.1", "127.0.0.1:99999", "127.0.0.1:-1", "http://h:9404/metrics", "h:port"] {
            #expect(throws: ConfigError.self, "\(text)") { try MetricsListener(parsing: text) }
        }
    }

    @Test func brokerConfigReadsIt() throws {
        let base = ["zookeeper.connect": "127.0.0.1:2181", "log.dirs": "/tmp/gregor-test"]
        #expect(try BrokerConfig(properties: base).metricsListener == nil)
        var with = base
        with["metrics.listener"] = "http://127.0.0.1:9404"
        with["console.admin.enable"] = "true"
        let config = try BrokerConfig(properties: with)
        #expect(config.metricsListener == MetricsListener(host: "127.0.0.1", port: 9404))
        #expect(config.bool("console.admin.enable"))
        #expect(config.warnings.isEmpty)
    }
}
