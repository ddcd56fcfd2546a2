/// One page of the console: the frame every page shares (header, navigation, notices, the optional live-refresh
/// switch) around a body from one of the `ConsolePage+*.swift` renderers.
///
/// Renderers are pure: they take plain values (a `ClusterSample`, the history, znode data) and return HTML, with
/// every piece of text passed through `Html.escape`. `WebConsole` does the routing and the I/O.
struct ConsolePage {
    enum Section: String, CaseIterable {
        case overview, topics, groups, zookeeper

        var title: String {
            switch self {
            case .overview: "Overview"
            case .topics: "Topics"
            case .groups: "Groups"
            case .zookeeper: "ZooKeeper"
            }
        }

        var path: String {
            switch self {
            case .overview: "/"
            case .topics: "/topics"
            case .groups: "/groups"
            case .zookeeper: "/zk?path=/"
            }
        }
    }

    /// What the header says about this broker and the console.
    struct Frame: Sendable {
        var brokerId: Int32
        var clusterId: String
        var adminEnabled: Bool
        /// A result to show once, from the `notice` or `error` query parameter of a Post/Redirect/Get.
        var notice: String?
        var error: String?
    }

    static let refreshSeconds = 5

    var title: String
    var section: Section
    var body: String

    func render(_ frame: Frame) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Html.escape(title)) - Gregor broker \(frame.brokerId)</title>
            <link rel="stylesheet" href="/assets/console.css">
            </head>
            <body data-refresh-seconds="\(Self.refreshSeconds)">
            <header><span class="brand">Gregor broker \(frame.brokerId)</span><nav>
            """
        for candidate in Section.allCases {
            let current = candidate == section ? " class=\"current\" aria-current=\"page\"" : ""
            html += "<a href=\"\(Html.escape(candidate.path))\"\(current)>\(candidate.title)</a>"
        }
        html += "<a href=\"/metrics\">Metrics</a></nav><span class=\"status\">cluster \(Html.escape(frame.clusterId)) · "
        html += frame.adminEnabled ? "admin actions enabled" : "read-only"
        html += " · <label id=\"live-refresh\" hidden><input type=\"checkbox\" checked> live</label>"
        html += " <span id=\"refreshed-at\"></span></span></header>\n<main>"
        if let notice = frame.notice { html += "<p class=\"notice\" role=\"status\">\(Html.escape(notice))</p>" }
        if let error = frame.error { html += "<p class=\"error\" role=\"alert\">\(Html.escape(error))</p>" }
        html += body
        html += "</main>\n<script src=\"/assets/console.js\" defer></script>\n</body></html>\n"
        return html
    }

    /// What a page says before the sampler's first sample.
    static let collecting =
        "<p class=\"muted\" id=\"collecting\">Collecting the first sample of the cluster (every \(refreshSeconds) s)…</p>"

    /// A figure with a label, for the overview's counters.
    static func card(_ label: String, _ value: String, id: String? = nil, marker: String? = nil) -> String {
        let idAttribute = id.map { " id=\"\(Html.escape($0))\"" } ?? ""
        let markerClass = marker.map { " class=\"\(Html.escape($0))\"" } ?? ""
        return "<li\(idAttribute)\(markerClass)><span class=\"value\">\(Html.escape(value))</span>"
            + "<span class=\"label\">\(Html.escape(label))</span></li>"
    }

    /// A list of broker ids, "1, 2, 3".
    static func ids(_ ids: [Int32]) -> String {
        ids.isEmpty ? "none" : ids.map(String.init).joined(separator: ", ")
    }
}
