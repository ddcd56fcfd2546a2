/// Why the broker's configuration cannot be used. Every case names the key (and value) or the file involved, so the
/// one line an operator sees at startup says what to fix.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    case malformedFile(path: String, reason: String)
    case invalidValue(key: String, value: String, reason: String)
    case missingRequired(key: String)
    case invalidOverride(String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "Configuration file '\(path)' not found"
        case .unreadableFile(let path, let reason):
            "Cannot read configuration file '\(path)': \(reason)"
        case .malformedFile(let path, let reason):
            "Malformed configuration file '\(path)': \(reason)"
        case .invalidValue(let key, let value, let reason):
            "Invalid value '\(value)' for configuration '\(key)': \(reason)"
        case .missingRequired(let key):
            "Missing required configuration '\(key)' which has no default value."
        case .invalidOverride(let text, let reason):
            "Invalid override '\(text)': \(reason)"
        }
    }
}
