#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This machine's host name, advertised in place of an empty listener host (`PLAINTEXT://:9092`).
public enum HostName {
    /// `gethostname(2)`; `localhost` if the call fails, so a misconfigured machine still starts (and says so in
    /// what it advertises, rather than crashing).
    public static var local: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
