#if canImport(Glibc)
import Glibc
#endif
import Logging

/// swift-log's `StreamLogHandler` line, with milliseconds: `2026-12-05T19:29:59.123+0000 info gregor.server: [Broker] …`.
///
/// A failover or a rebalance happens within a second; Kafka's own logs carry milliseconds for the same reason. Each
/// line goes to standard output in one `write`, so lines of concurrent loggers never interleave.
struct BrokerLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        if let error = event.error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        Self.write("\(Self.timestamp()) \(event.level) \(label):\(pretty) [\(event.source)] \(event.message)\n")
    }

    /// Local time to the millisecond, with the UTC offset.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var local = tm()
        localtime_r(&seconds, &local)
        let millis = Int(now.tv_nsec / 1_000_000)
        let padded = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(format(local, "%Y-%m-%dT%H:%M:%S")).\(padded)\(format(local, "%z"))"
    }

    private static func format(_ time: tm, _ format: String) -> String {
        var time = time
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { strftime($0.baseAddress!, $0.count, format, &time) }
        }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    private static func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // nowhere to log to: dropping the line is all that is left
                }
            }
        }
    }
}
