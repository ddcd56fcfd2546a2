import Foundation

/// How the console writes numbers, sizes and times: short, and the same on every page.
enum ConsoleFormat {
    /// 12, 1,234, 12.5k, 3.4M: whole numbers below 10 000 exactly, larger ones with a unit.
    static func count(_ value: Int64) -> String {
        let magnitude = value.magnitude
        if magnitude < 10_000 { return String(value) }
        return compact(Double(value))
    }

    /// A rate or other fraction: 0, 0.4, 12, 12.5k.
    static func rate(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value == 0 { return "0" }
        if abs(value) < 10 { return String(format: "%.1f", value) }
        if abs(value) < 10_000 { return String(format: "%.0f", value) }
        return compact(value)
    }

    /// Bytes in binary units: 512 B, 1.5 KiB, 20.0 MiB.
    static func bytes(_ value: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var scaled = Double(value)
        var unit = 0
        while abs(scaled) >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", scaled, units[unit])
    }

    /// Bytes per second, as `bytes` with "/s".
    static func byteRate(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        return bytes(Int64(value.rounded())) + "/s"
    }

    /// Milliseconds since the epoch as UTC, "2026-12-06 03:27:14Z".
    static func time(ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) + "Z"
    }

    /// A duration in seconds as "45 s", "3 min", "2 h".
    static func age(ms: Int64) -> String {
        let seconds = max(0, ms / 1000)
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h"
    }

    /// zkCli's way of writing zxids and session ids: "0x1a".
    static func hex(_ value: Int64) -> String {
        "0x" + String(UInt64(bitPattern: value), radix: 16)
    }

    private static func compact(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where abs(value) >= scale {
            return String(format: "%.1f", value / scale) + suffix
        }
        return String(format: "%.0f", value)
    }
}
