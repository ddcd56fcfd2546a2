/// `metrics.listener`: "http://host:port" (or "host:port"); an empty host binds every interface, port 0 any free
/// port. An empty value means none.
public struct MetricsListener: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil for an empty value; throws for anything that is not [http://]host:port.
    init?(parsing text: String) throws(ConfigError) {
        var rest = Substring(text.trimmingJavaWhitespace())
        if rest.isEmpty { return nil }
        if rest.lowercased().hasPrefix("http://") { rest = rest.dropFirst("http://".count) }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65_535).contains(port) else {
            throw .invalidValue(key: "metrics.listener", value: text, reason: "expected http://host:port with a port from 0 to 65535")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.contains("/") else {
            throw .invalidValue(key: "metrics.listener", value: text, reason: "expected http://host:port with no path")
        }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
