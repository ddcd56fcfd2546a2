/// SASL/PLAIN (RFC 4616) checked against the users of the listener's JAAS config (`user_<name>="<password>"`),
/// as Kafka's `PlainSaslServer` with its default `PlainServerCallbackHandler`. One message:
/// `[authzid] NUL authcid NUL passwd`.
struct PlainSaslServer: SaslServerMechanism {
    let users: [String: String]
    private(set) var isComplete = false
    private(set) var authorizationId: String?

    init(users: [String: String]) {
        self.users = users
    }

    mutating func evaluate(_ response: [UInt8]) throws(SaslFailure) -> [UInt8] {
        let tokens = String(decoding: response, as: UTF8.self).split(separator: "\u{0}", maxSplits: 3,
                                                                      omittingEmptySubsequences: false)
        guard tokens.count == 3 else {
            throw SaslFailure(clientMessage: "Invalid SASL/PLAIN response: expected 3 tokens, got \(min(tokens.count, 4))",
                              reason: "malformed PLAIN message")
        }
        let (authorizationIdFromClient, username, password) = (String(tokens[0]), String(tokens[1]), String(tokens[2]))
        guard !username.isEmpty else {
            throw SaslFailure(clientMessage: "Authentication failed: username not specified", reason: "no user name")
        }
        guard !password.isEmpty else {
            throw SaslFailure(clientMessage: "Authentication failed: password not specified", reason: "no password")
        }
        guard let expected = users[username], Self.constantTimeEquals(expected, password) else {
            throw SaslFailure(clientMessage: "Authentication failed: Invalid username or password",
                              reason: "invalid password for user \(username) or unknown user")
        }
        guard authorizationIdFromClient.isEmpty || authorizationIdFromClient == username else {
            throw SaslFailure(
                clientMessage: "Authentication failed: Client requested an authorization id that is different from username",
                reason: "user \(username) asked to act as \(authorizationIdFromClient)")
        }
        authorizationId = username
        isComplete = true
        return []
    }

    /// Compares without stopping at the first difference, so timing tells nothing about the password.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
