/// The SASL SCRAM mechanisms Kafka supports (RFC 5802 with RFC 7677's SHA-256, and SHA-512), with the one-byte
/// type the admin APIs use on the wire (Kafka's public `ScramMechanism`: 0 unknown, 1 SHA-256, 2 SHA-512) and the
/// name that keys a user's credential in `/config/users/<user>` and in SASL (`SCRAM-SHA-256`).
public enum ScramMechanism: Int8, Sendable, Hashable, CaseIterable {
    case scramSha256 = 1
    case scramSha512 = 2

    /// Kafka's internal `ScramMechanism.minIterations`: 4096 for both.
    public static let minIterations: Int32 = 4096
    /// `ZkAdminManager.alterUserScramCredentials` refuses more (`Too many iterations`).
    public static let maxIterations: Int32 = 16384

    /// `SCRAM-SHA-256`, `SCRAM-SHA-512`.
    public var mechanismName: String {
        switch self {
        case .scramSha256: "SCRAM-SHA-256"
        case .scramSha512: "SCRAM-SHA-512"
        }
    }

    /// Kafka's `ScramMechanism.forMechanismName`; nil for anything else.
    public init?(mechanismName: String) {
        guard let mechanism = Self.allCases.first(where: { $0.mechanismName == mechanismName }) else { return nil }
        self = mechanism
    }

    /// The hash's output size: the length of salted passwords and keys.
    public var hashByteCount: Int {
        switch self {
        case .scramSha256: 32
        case .scramSha512: 64
        }
    }
}
