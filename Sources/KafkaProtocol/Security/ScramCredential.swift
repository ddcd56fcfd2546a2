import Foundation

/// What a server keeps of a user's SCRAM password (Kafka's `ScramCredential`), and its text form in the user's
/// dynamic config (Kafka's `ScramCredentialUtils`), keyed by mechanism name in `/config/users/<user>`:
///
///     salt=<base64>,stored_key=<base64>,server_key=<base64>,iterations=<decimal>
public struct ScramCredential: Sendable, Hashable {
    public var salt: [UInt8]
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]
    public var iterations: Int32

    public init(salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8], iterations: Int32) {
        self.salt = salt
        self.storedKey = storedKey
        self.serverKey = serverKey
        self.iterations = iterations
    }

    /// Kafka's `credentialToString` (standard base64 with padding, as `Base64.getEncoder()`).
    public var credentialString: String {
        "salt=\(Data(salt).base64EncodedString()),stored_key=\(Data(storedKey).base64EncodedString())"
            + ",server_key=\(Data(serverKey).base64EncodedString()),iterations=\(iterations)"
    }

    /// Kafka's `credentialFromString`: exactly the four keys, each once; nil (Kafka: "Credentials not valid") for
    /// anything else, including bad base64 and an iteration count that is not a positive 32-bit number.
    public init?(credentialString text: String) {
        var fields: [Substring: Substring] = [:]
        for token in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = token.firstIndex(of: "="), equals != token.startIndex else { return nil }
            fields[token[..<equals]] = token[token.index(after: equals)...]
        }
        guard fields.count == 4, let salt = fields["salt"].flatMap({ Data(base64Encoded: String($0)) }),
            let storedKey = fields["stored_key"].flatMap({ Data(base64Encoded: String($0)) }),
            let serverKey = fields["server_key"].flatMap({ Data(base64Encoded: String($0)) }),
            let iterations = fields["iterations"].flatMap({ Int32($0) }), iterations > 0
        else { return nil }
        self.init(salt: Array(salt), storedKey: Array(storedKey), serverKey: Array(serverKey), iterations: iterations)
    }
}
