/// Why Kafka's `ssl.*` settings cannot be turned into TLS: each names the setting and, for files, the path, so a
/// broker that cannot start (or a client that cannot connect) says what to fix.
public enum SslConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value is not one the setting accepts, or contradicts another setting.
    case invalidValue(key: String, value: String, reason: String)
    /// A setting the others require is missing.
    case missing(key: String, reason: String)
    /// The file cannot be read at all (missing, not permitted, a directory, too large).
    case unreadableFile(key: String, path: String, reason: String)
    /// The store was read but its contents are unusable (no key, no certificate, a wrong password, not PEM).
    /// `path` is nil for inline values (`ssl.keystore.key`, `ssl.truststore.certificates`).
    case invalidContents(key: String, path: String?, reason: String)
    /// A JKS store: Java's own format, which only a JVM reads. `typeKey` is `ssl.keystore.type` or
    /// `ssl.truststore.type`.
    case javaKeyStore(key: String, path: String, typeKey: String)

    public var description: String {
        switch self {
        case .invalidValue(let key, let value, let reason):
            return "Invalid value '\(value)' for configuration '\(key)': \(reason)"
        case .missing(let key, let reason):
            return "Missing configuration '\(key)': \(reason)"
        case .unreadableFile(let key, let path, let reason):
            return "Cannot read \(path) (\(key)): \(reason)"
        case .invalidContents(let key, let path?, let reason):
            return "Cannot use \(path) (\(key)): \(reason)"
        case .invalidContents(let key, nil, let reason):
            return "Cannot use the value of '\(key)': \(reason)"
        case .javaKeyStore(let key, let path, let typeKey):
            return "\(path) (\(key)) is a JKS store (\(typeKey)=JKS, Kafka's default), a format only Java reads. "
                + "Convert it to PKCS12 and set \(typeKey)=PKCS12: keytool -importkeystore -srckeystore \(path) "
                + "-destkeystore store.p12 -deststoretype PKCS12; or from PKCS12 to PEM and set \(typeKey)=PEM: "
                + "openssl pkcs12 -in store.p12 -nodes -out store.pem"
        }
    }
}
