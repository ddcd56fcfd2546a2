import Foundation

/// The four SCRAM messages of RFC 5802 as Kafka's `ScramMessages` reads and writes them, for both ends of a
/// SASL/SCRAM exchange:
///
///     client-first   n,[a=<authzid>],n=<saslname>,r=<client nonce>[,<extensions>]
///     server-first   r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>
///     client-final   c=<base64 channel binding>,r=<nonce>,p=<base64 proof>
///     server-final   v=<base64 server signature>  |  e=<error>
///
/// Only the `n` GS2 flag is accepted (no channel binding), as in Kafka. Names, nonces and values are the ASCII
/// characters Kafka's patterns allow; anything else fails to parse (nil), which ends the exchange.
public enum ScramMessages {
    public struct ClientFirst: Sendable, Hashable {
        /// The user name (SASL name unescaped: `=2C` is `,`, `=3D` is `=`).
        public var username: String
        /// Empty unless the client asked to act as someone else (Kafka refuses a different one).
        public var authorizationId: String
        public var nonce: String
        /// `client-first-message-bare`, exactly as sent: the first part of the AuthMessage both sides sign.
        public var bare: String

        public init(username: String, nonce: String) {
            self.username = username
            authorizationId = ""
            self.nonce = nonce
            bare = "n=\(ScramMessages.saslName(username)),r=\(nonce)"
        }

        public var message: String { "n,," + bare }

        public init?(_ bytes: [UInt8]) {
            guard let text = ScramMessages.ascii(bytes), text.hasPrefix("n,") else { return nil }
            var rest = text.dropFirst(2)
            var authorizationId = ""
            if rest.hasPrefix("a=") {
                guard let comma = rest.firstIndex(of: ","),
                    let id = ScramMessages.unescape(rest[rest.index(rest.startIndex, offsetBy: 2)..<comma])
                else { return nil }
                authorizationId = id
                rest = rest[rest.index(after: comma)...]
            } else {
                guard rest.hasPrefix(",") else { return nil }
                rest = rest.dropFirst()
            }
            let bare = String(rest)
            var fields = ScramMessages.attributes(bare)
            if fields.first?.key == "m" { fields.removeFirst() }
            guard fields.count >= 2, fields[0].key == "n", fields[1].key == "r",
                let username = ScramMessages.unescape(fields[0].value), !username.isEmpty,
                ScramMessages.isPrintable(fields[1].value)
            else { return nil }
            self.username = username
            self.authorizationId = authorizationId
            nonce = String(fields[1].value)
            self.bare = bare
        }
    }

    public struct ServerFirst: Sendable, Hashable {
        /// The client's nonce followed by the server's.
        public var nonce: String
        public var salt: [UInt8]
        public var iterations: Int32

        public init(nonce: String, salt: [UInt8], iterations: Int32) {
            self.nonce = nonce
            self.salt = salt
            self.iterations = iterations
        }

        public var message: String { "r=\(nonce),s=\(Data(salt).base64EncodedString()),i=\(iterations)" }

        public init?(_ bytes: [UInt8]) {
            guard let text = ScramMessages.ascii(bytes) else { return nil }
            var fields = ScramMessages.attributes(text)
            if fields.first?.key == "m" { fields.removeFirst() }
            guard fields.count >= 3, fields[0].key == "r", fields[1].key == "s", fields[2].key == "i",
                ScramMessages.isPrintable(fields[0].value),
                let salt = Data(base64Encoded: String(fields[1].value)),
                fields[2].value.allSatisfy({ $0.isASCII && $0.isNumber }), let iterations = Int32(fields[2].value)
            else { return nil }
            nonce = String(fields[0].value)
            self.salt = Array(salt)
            self.iterations = iterations
        }
    }

    public struct ClientFinal: Sendable, Hashable {
        /// Base64 of the GS2 header: `biws` for `n,,`.
        public var channelBinding: String
        public var nonce: String
        public var proof: [UInt8]

        public init(channelBinding: String = "biws", nonce: String, proof: [UInt8]) {
            self.channelBinding = channelBinding
            self.nonce = nonce
            self.proof = proof
        }

        /// `client-final-message-without-proof`, the last part of the AuthMessage.
        public var withoutProof: String { "c=\(channelBinding),r=\(nonce)" }
        public var message: String { "\(withoutProof),p=\(Data(proof).base64EncodedString())" }

        public init?(_ bytes: [UInt8]) {
            guard let text = ScramMessages.ascii(bytes) else { return nil }
            let fields = ScramMessages.attributes(text)
            // Extensions may sit between the nonce and the proof; the proof is last.
            guard fields.count >= 3, fields[0].key == "c", fields[1].key == "r", let last = fields.last,
                last.key == "p", Data(base64Encoded: String(fields[0].value)) != nil,
                ScramMessages.isPrintable(fields[1].value), let proof = Data(base64Encoded: String(last.value))
            else { return nil }
            channelBinding = String(fields[0].value)
            nonce = String(fields[1].value)
            self.proof = Array(proof)
        }
    }

    public enum ServerFinal: Sendable, Hashable {
        case verifier([UInt8])
        case error(String)

        public var message: String {
            switch self {
            case .verifier(let signature): "v=\(Data(signature).base64EncodedString())"
            case .error(let text): "e=\(text)"
            }
        }

        public init?(_ bytes: [UInt8]) {
            guard let text = ScramMessages.ascii(bytes), let first = ScramMessages.attributes(text).first else {
                return nil
            }
            switch first.key {
            case "v":
                guard let signature = Data(base64Encoded: String(first.value)) else { return nil }
                self = .verifier(Array(signature))
            case "e": self = .error(String(first.value))
            default: return nil
            }
        }
    }

    /// RFC 5802's `AuthMessage`: what the client proof and the server signature are computed over.
    public static func authMessage(_ first: ClientFirst, _ server: ServerFirst, _ final: ClientFinal) -> [UInt8] {
        Array("\(first.bare),\(server.message),\(final.withoutProof)".utf8)
    }

    /// A user name as a SASL name: `,` and `=` escaped as `=2C` and `=3D`.
    public static func saslName(_ username: String) -> String {
        username.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    /// Kafka's `ScramFormatter.username`: nil when an `=` is not followed by `2C` or `3D`.
    static func unescape(_ saslName: Substring) -> String? {
        var result = ""
        var rest = saslName[...]
        while let equals = rest.firstIndex(of: "=") {
            result += rest[..<equals]
            let code = rest[rest.index(after: equals)...].prefix(2)
            switch code {
            case "2C": result += ","
            case "3D": result += "="
            default: return nil
            }
            rest = rest[rest.index(equals, offsetBy: 3)...]
        }
        return result + rest
    }

    /// `key=value` pairs split at commas (values never contain commas in SCRAM).
    static func attributes(_ text: String) -> [(key: Substring, value: Substring)] {
        text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let equals = item.firstIndex(of: "="), item.distance(from: item.startIndex, to: equals) == 1 else {
                return (key: "", value: item)
            }
            return (key: item[..<equals], value: item[item.index(after: equals)...])
        }
    }

    /// Kafka's `PRINTABLE`: one or more of `!`...`~` except `,`.
    static func isPrintable(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value >= 0x21 && $0.value <= 0x7E && $0 != "," }
    }

    /// The message as text, when every byte is ASCII 1...127 (Kafka's patterns allow nothing else).
    static func ascii(_ bytes: [UInt8]) -> String? {
        guard bytes.allSatisfy({ $0 >= 1 && $0 <= 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ScramFormatter {
    /// `HMAC(StoredKey, AuthMessage)`.
    public func clientSignature(storedKey: [UInt8], authMessage: [UInt8]) -> [UInt8] {
        hmac(key: storedKey, authMessage)
    }

    /// `HMAC(ServerKey, AuthMessage)`.
    public func serverSignature(serverKey: [UInt8], authMessage: [UInt8]) -> [UInt8] {
        hmac(key: serverKey, authMessage)
    }

    /// `ClientKey XOR ClientSignature`: what the client sends to prove it knows the password.
    public func clientProof(saltedPassword: [UInt8], authMessage: [UInt8]) -> [UInt8] {
        let clientKey = clientKey(saltedPassword: saltedPassword)
        let signature = clientSignature(storedKey: storedKey(clientKey: clientKey), authMessage: authMessage)
        return zip(clientKey, signature).map { $0 ^ $1 }
    }

    /// The server's check of a proof: `H(proof XOR ClientSignature) == StoredKey`, in constant time.
    public func verifyClientProof(_ proof: [UInt8], storedKey: [UInt8], authMessage: [UInt8]) -> Bool {
        let signature = clientSignature(storedKey: storedKey, authMessage: authMessage)
        guard proof.count == signature.count, storedKey.count == mechanism.hashByteCount else { return false }
        let computed = hash(zip(proof, signature).map { $0 ^ $1 })
        return zip(computed, storedKey).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A fresh nonce shaped as Kafka's `secureRandomString`: a random 130-bit number in base 36.
    public static func randomNonce() -> String {
        String(decoding: randomSalt(), as: UTF8.self)
    }
}
