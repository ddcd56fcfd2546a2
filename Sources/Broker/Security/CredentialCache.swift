import KafkaProtocol
import Synchronization

/// The SCRAM credentials of every user, by mechanism (Kafka's `CredentialCache` as filled by `UserConfigHandler`):
/// loaded from `/config/users` at startup and replaced user by user when a `users/<user>` config change is
/// announced, so a SASL/SCRAM login never reads ZooKeeper. Thread-safe.
final class CredentialCache: Sendable {
    private let credentials = Mutex<[ScramMechanism: [String: ScramCredential]]>([:])

    init() {}

    func credential(user: String, mechanism: ScramMechanism) -> ScramCredential? {
        credentials.withLock { $0[mechanism]?[user] }
    }

    /// Replaces what is cached for `user` with the credentials in its dynamic config: mechanisms absent from it
    /// are dropped. Returns the mechanisms whose value could not be parsed (also dropped; Kafka logs and skips them).
    @discardableResult
    func update(user: String, config: [String: String]) -> [ScramMechanism] {
        var unparsable: [ScramMechanism] = []
        credentials.withLock { cache in
            for mechanism in ScramMechanism.allCases {
                let credential = config[mechanism.mechanismName].flatMap { text in
                    let parsed = ScramCredential(credentialString: text)
                    if parsed == nil { unparsable.append(mechanism) }
                    return parsed
                }
                cache[mechanism, default: [:]][user] = credential
            }
        }
        return unparsable
    }

    /// Users with at least one cached credential, sorted (for logs and tests).
    var users: [String] {
        credentials.withLock { Set($0.values.flatMap(\.keys)).sorted() }
    }
}
