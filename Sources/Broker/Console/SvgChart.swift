/// A line chart drawn on the server as inline SVG, so the console's charts need no script and no library: time on
/// the x axis (the sampler's history), one polyline per series, a legend in HTML with each series' latest value so
/// the chart reads without telling colours apart.
struct SvgChart {
    struct Point: Sendable, Equatable {
        var timeMs: Int64
        var value: Double
    }

    struct Series: Sendable, Equatable {
        var name: String
        var points: [Point]

        var latest: Double? { points.last?.value }
    }

    /// At most this many series are drawn (those with the largest latest values); the legend counts the rest.
    static let maxSeries = 8
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    var title: String
    /// Unit of the y axis, shown in the legend ("msg/s", "records").
    var unit: String
    var series: [Series]
    /// The time the x axis spans, so that the charts of one page line up; the series' own span when nil.
    var domain: ClosedRange<Int64>? = nil
    var width = 520
    var height = 180

    private let marginLeft = 56.0
    private let marginRight = 8.0
    private let marginTop = 10.0
    private let marginBottom = 22.0

    func render() -> String {
        let drawn = series.filter { !$0.points.isEmpty }
            .sorted { ($0.latest ?? 0, $1.name) > ($1.latest ?? 0, $0.name) }
        var html = "<figure class=\"chart\"><figcaption>\(Html.escape(title))</figcaption>"
        guard let first = domain?.lowerBound ?? drawn.flatMap(\.points).map(\.timeMs).min(),
            let last = domain?.upperBound ?? drawn.flatMap(\.points).map(\.timeMs).max(), !drawn.isEmpty
        else {
            return html + "<p class=\"chart-empty\">No data yet: a chart needs two samples.</p></figure>"
        }
        let shown = Array(drawn.prefix(Self.maxSeries))
        let yMax = Self.niceCeiling(shown.flatMap(\.points).map(\.value).max() ?? 0)
        let plot = (x: marginLeft, y: marginTop, w: Double(width) - marginLeft - marginRight,
                    h: Double(height) - marginTop - marginBottom)
        let span = Double(max(last - first, 1))
        func x(_ t: Int64) -> Double { plot.x + Double(min(max(t, first), last) - first) / span * plot.w }
        func y(_ v: Double) -> Double { plot.y + plot.h - min(max(v, 0), yMax) / yMax * plot.h }

        html += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\""
        html += " role=\"img\" aria-label=\"\(Html.escape(title))\">"
        for fraction in [0.0, 0.5, 1.0] {
            let value = yMax * fraction
            let lineY = Self.coordinate(y(value))
            html += "<line class=\"grid\" x1=\"\(Self.coordinate(plot.x))\" x2=\"\(Self.coordinate(plot.x + plot.w))\""
            html += " y1=\"\(lineY)\" y2=\"\(lineY)\" stroke=\"#ccc\" stroke-width=\"1\"/>"
            html += "<text x=\"\(Self.coordinate(plot.x - 4))\" y=\"\(Self.coordinate(y(value) + 4))\" text-anchor=\"end\""
            html += " font-size=\"11\" fill=\"#555\">\(ConsoleFormat.rate(value))</text>"
        }
        let baseline = Self.coordinate(plot.y + plot.h + 15)
        html += "<text x=\"\(Self.coordinate(plot.x))\" y=\"\(baseline)\" font-size=\"11\" fill=\"#555\">"
        html += "-\(ConsoleFormat.age(ms: last - first))</text>"
        html += "<text x=\"\(Self.coordinate(plot.x + plot.w))\" y=\"\(baseline)\" text-anchor=\"end\" font-size=\"11\""
        html += " fill=\"#555\">now</text>"
        for (index, series) in shown.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let coordinates = series.points.map { "\(Self.coordinate(x($0.timeMs))),\(Self.coordinate(y($0.value)))" }
            if coordinates.count == 1 {
                let point = series.points[0]
                html += "<circle class=\"series\" cx=\"\(Self.coordinate(x(point.timeMs)))\" cy=\"\(Self.coordinate(y(point.value)))\""
                html += " r=\"3\" fill=\"\(colour)\"><title>\(Html.escape(series.name))</title></circle>"
            } else {
                html += "<polyline class=\"series\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\""
                html += " points=\"\(coordinates.joined(separator: " "))\"><title>\(Html.escape(series.name))</title></polyline>"
            }
        }
        html += "</svg><ul class=\"legend\">"
        for (index, series) in shown.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            html += "<li><span class=\"swatch\" style=\"background:\(colour)\"></span>\(Html.escape(series.name)): "
            html += "\(ConsoleFormat.rate(series.latest ?? 0)) \(Html.escape(unit))</li>"
        }
        if drawn.count > shown.count { html += "<li>and \(drawn.count - shown.count) more</li>" }
        return html + "</ul></figure>"
    }

    /// The smallest of 1, 2, 5 times a power of ten at or above `value` (1 for nothing), so axis labels stay round.
    static func niceCeiling(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return 1 }
        var scale = 1.0
        while scale * 10 <= value { scale *= 10 }
        while scale > value { scale /= 10 }
        for step in [1.0, 2.0, 5.0, 10.0] where step * scale >= value { return step * scale }
        return 10 * scale
    }

    /// One decimal is finer than a pixel.
    private static func coordinate(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
