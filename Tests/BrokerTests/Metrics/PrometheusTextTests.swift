import Testing

@testable import Broker

/// The scraped gauges' text, as Prometheus' text format (0.0.4) requires it.
@Suite struct PrometheusTextTests {
    private let logSize = ScrapedGaugeFamily("kafka_log_log_size", labels: ["topic", "partition"], help: "Bytes of the log.")

    private func text(_ write: (inout PrometheusText) -> Void) -> String {
        var text = PrometheusText(capacity: 0)
        write(&text)
        return String(decoding: text.bytes, as: UTF8.self)
    }

    @Test func aFamilyIsItsHelpAndTypeThenOneLinePerSeriesWithLabelsInOrder() {
        let written = text { text in
            text.sample(logSize, "orders", Int32(0), value: Int64(1200))
            text.sample(logSize, "orders", Int32(11), value: Int64(0))
        }
        #expect(written == """
            # HELP kafka_log_log_size Bytes of the log.
            # TYPE kafka_log_log_size gauge
            kafka_log_log_size{topic="orders",partition="0"} 1200
            kafka_log_log_size{topic="orders",partition="11"} 0

            """)
    }

    @Test func integersAreWrittenExactlyAtBothEnds() {
        let family = ScrapedGaugeFamily("n", help: "n")
        let written = text { text in
            for value in [Int64.max, Int64.min, -7, 10, 9] { text.sample(family, value: value) }
        }
        #expect(written == "# HELP n n\n# TYPE n gauge\nn 9223372036854775807\nn -9223372036854775808\nn -7\nn 10\nn 9\n")
    }

    @Test func labelValuesAndHelpAreEscaped() {
        let family = ScrapedGaugeFamily("kafka_consumergroup_lag_sum", labels: ["consumergroup"], help: #"a \ b"# + "\nc")
        let written = text { text in
            text.sample(family, #"g"1\"# + "\n", value: Int64(3))
        }
        #expect(written.contains(#"# HELP kafka_consumergroup_lag_sum a \\ b\nc"# + "\n"))
        #expect(written.contains(#"kafka_consumergroup_lag_sum{consumergroup="g\"1\\\n"} 3"# + "\n"))
    }

    @Test func floatsUseTheFormatsSpellings() {
        let family = ScrapedGaugeFamily("f", help: "f")
        let written = text { text in
            for value in [1.5, 2.0, Double.nan, Double.infinity, -Double.infinity] { text.sample(family, value: value) }
        }
        #expect(written.hasSuffix("# TYPE f gauge\nf 1.5\nf 2.0\nf NaN\nf +Inf\nf -Inf\n"))
    }

    @Test func aFamilyWithoutSamplesIsLeftOutAndEachFamilyHasItsLinesOnce() {
        let a = ScrapedGaugeFamily("a", help: "A."), b = ScrapedGaugeFamily("b", labels: ["x"], help: "B.")
        let written = text { text in
            text.sample(a, value: Int64(1))
            text.sample(a, value: Int64(2))
            text.labels(["x"], "unused")  // labels alone open no family
            for value in [Int64]() { text.sample(b, "v", value: value) }
        }
        #expect(written == "# HELP a A.\n# TYPE a gauge\na 1\na 2\n{x=\"unused\"}")
    }
}
