import ZooKeeper

/// One znode as the console shows it, read-only: its data, its stat and its children.
struct ZNodeSnapshot: Sendable, Equatable {
    /// zkCli's `stat` fields.
    struct Stat: Sendable, Equatable {
        var czxid: Int64
        var mzxid: Int64
        var pzxid: Int64
        var ctimeMs: Int64
        var mtimeMs: Int64
        var version: Int32
        var cversion: Int32
        var aversion: Int32
        var ephemeralOwner: Int64
        var dataLength: Int32
        var numChildren: Int32
    }

    var path: String
    var data: [UInt8]
    var stat: Stat
    var children: [String]
}

extension ZNodeSnapshot.Stat {
    init(_ stat: ZNodeStat) {
        self.init(
            czxid: stat.czxid, mzxid: stat.mzxid, pzxid: stat.pzxid, ctimeMs: stat.ctimeMs, mtimeMs: stat.mtimeMs,
            version: stat.version, cversion: stat.cversion, aversion: stat.aversion, ephemeralOwner: stat.ephemeralOwner,
            dataLength: stat.dataLength, numChildren: stat.numChildren)
    }
}

extension ConsolePage {
    /// Data beyond this is cut (ZooKeeper allows 1 MiB per znode; Kafka's are a few hundred bytes).
    static let znodeDataShownMax = 64 * 1024
    /// Children beyond this are counted, not listed (`/consumers` can hold many).
    static let znodeChildrenShownMax = 1000

    /// `/zk?path=...`: a znode of the broker's ZooKeeper tree (under its chroot, as Kafka's tools see it), or why it
    /// could not be read.
    static func zooKeeper(path: String, node: Result<ZNodeSnapshot, ZooKeeperError>) -> ConsolePage {
        var body = "<h1>ZooKeeper</h1><p class=\"breadcrumbs\">" + breadcrumbs(path) + "</p>"
        switch node {
        case .failure(.noNode):
            body += "<p class=\"error\">No znode \(Html.escape(path)).</p>"
        case .failure(let error):
            body += "<p class=\"error\">Reading \(Html.escape(path)) failed: \(Html.escape(error.description))</p>"
        case .success(let node):
            body += childrenList(node)
            body += "<h2>Data</h2>" + dataBlock(node.data)
            body += statTable(node.stat)
        }
        return ConsolePage(title: "ZooKeeper \(path)", section: .zookeeper, body: body)
    }

    /// "/ brokers / ids", each part a link to its znode.
    static func breadcrumbs(_ path: String) -> String {
        var html = Html.link(Html.zkPath("/"), "/")
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            html += " " + Html.link(Html.zkPath(prefix), part) + " /"
        }
        return html
    }

    static func childrenList(_ node: ZNodeSnapshot) -> String {
        let children = node.children.sorted { left, right in
            switch (Int64(left), Int64(right)) {
            case let (l?, r?): l < r
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): left < right
            }
        }
        guard !children.isEmpty else { return "<h2>Children</h2><p class=\"muted\">No children.</p>" }
        let base = node.path == "/" ? "" : node.path
        var html = "<h2>Children (\(children.count))</h2><ul id=\"children\">"
        for child in children.prefix(znodeChildrenShownMax) {
            html += "<li>\(Html.link(Html.zkPath(base + "/" + child), child))</li>"
        }
        if children.count > znodeChildrenShownMax { html += "<li>and \(children.count - znodeChildrenShownMax) more</li>" }
        return html + "</ul>"
    }

    /// Text when the data is UTF-8 without control characters (Kafka's znodes are JSON or decimal text), else hex.
    static func dataBlock(_ data: [UInt8]) -> String {
        guard !data.isEmpty else { return "<p class=\"muted\" id=\"znode-data\">(no data)</p>" }
        let shown = Array(data.prefix(znodeDataShownMax))
        let cut = data.count > shown.count ? "<p class=\"muted\">First \(shown.count) of \(data.count) bytes.</p>" : ""
        if let text = String(validating: shown, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !["\n", "\r", "\t"].contains($0) })
        {
            return "<pre class=\"znode-data\" id=\"znode-data\">\(Html.escape(text))</pre>" + cut
        }
        return "<p class=\"muted\">Binary data, in hex:</p><pre class=\"znode-data hex\" id=\"znode-data\">\(hexDump(shown))</pre>" + cut
    }

    /// 16 bytes a line: offset, hex bytes.
    static func hexDump(_ bytes: [UInt8]) -> String {
        var lines: [String] = []
        var offset = 0
        while offset < bytes.count {
            let line = bytes[offset..<min(offset + 16, bytes.count)]
            let hex = line.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            let position = String(offset, radix: 16)
            lines.append(String(repeating: "0", count: max(0, 8 - position.count)) + position + "  " + hex)
            offset += 16
        }
        return lines.joined(separator: "\n")
    }

    static func statTable(_ stat: ZNodeSnapshot.Stat) -> String {
        let rows: [(String, String)] = [
            ("czxid", ConsoleFormat.hex(stat.czxid)),
            ("mzxid", ConsoleFormat.hex(stat.mzxid)),
            ("pzxid", ConsoleFormat.hex(stat.pzxid)),
            ("ctime", "\(ConsoleFormat.time(ms: stat.ctimeMs)) (\(stat.ctimeMs))"),
            ("mtime", "\(ConsoleFormat.time(ms: stat.mtimeMs)) (\(stat.mtimeMs))"),
            ("version", String(stat.version)),
            ("cversion", String(stat.cversion)),
            ("aversion", String(stat.aversion)),
            ("ephemeralOwner", ConsoleFormat.hex(stat.ephemeralOwner) + (stat.ephemeralOwner == 0 ? " (persistent)" : " (ephemeral)")),
            ("dataLength", String(stat.dataLength)),
            ("numChildren", String(stat.numChildren)),
        ]
        var html = "<h2>Stat</h2><table id=\"stat\"><tbody>"
        for (name, value) in rows { html += "<tr><th>\(name)</th><td>\(Html.escape(value))</td></tr>" }
        return html + "</tbody></table>"
    }
}
