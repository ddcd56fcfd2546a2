import Testing

@testable import Broker

@Suite struct SvgChartTests {
    @Test func aSeriesBecomesAPolylineScaledToARoundMaximum() {
        let chart = SvgChart(
            title: "Messages in", unit: "msg/s",
            series: [.init(name: "orders", points: [.init(timeMs: 0, value: 0), .init(timeMs: 5_000, value: 40), .init(timeMs: 10_000, value: 80)])],
            width: 256, height: 132)
        let svg = chart.render()
        // Plot area: x from 56 to 248, y from 10 to 110; the axis goes to 100, so 80 is at 80% of the height.
        #expect(svg.contains(#"points="56,110 152,70 248,30""#))
        #expect(svg.contains(">100</text>"))
        #expect(svg.contains(">-10 s</text>"))
        #expect(svg.contains("orders: 80 msg/s"))
        #expect(svg.components(separatedBy: "<polyline").count == 2)
    }

    @Test func seriesShareTheDomainAndOnePointIsADot() {
        let chart = SvgChart(
            title: "Lag", unit: "records",
            series: [
                .init(name: "a<b", points: [.init(timeMs: 10_000, value: 3)]),
                .init(name: "c", points: [.init(timeMs: 0, value: 1), .init(timeMs: 10_000, value: 2)]),
            ],
            domain: 0...20_000, width: 256, height: 132)
        let svg = chart.render()
        #expect(svg.contains(#"<circle class="series" cx="152" cy="50""#))
        #expect(svg.contains(#"points="56,90 152,70""#))
        #expect(svg.contains("a&lt;b: 3.0 records"))
        #expect(!svg.contains("a<b"))
    }

    @Test func noPointsSaysSo() {
        let svg = SvgChart(title: "Lag", unit: "records", series: [.init(name: "g", points: [])]).render()
        #expect(svg.contains("No data yet"))
        #expect(!svg.contains("<svg"))
    }

    @Test func axisMaximaAreOneTwoOrFiveTimesAPowerOfTen() {
        #expect(SvgChart.niceCeiling(0) == 1)
        #expect(SvgChart.niceCeiling(0.3) == 0.5)
        #expect(SvgChart.niceCeiling(7) == 10)
        #expect(SvgChart.niceCeiling(120) == 200)
        #expect(SvgChart.niceCeiling(5_000) == 5_000)
    }
}
