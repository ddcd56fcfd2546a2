import Foundation
import Testing

@testable import KafkaProtocol

/// SCRAM key derivations against RFC 7677's example exchange and against Python's `hashlib.pbkdf2_hmac`.
@Suite struct ScramFormatterTests {
    static func base64(_ text: String) -> [UInt8] { Array(Data(base64Encoded: text)!) }

    /// RFC 7677 section 3: user "user", password "pencil". The client's proof and the server's signature depend on
    /// every derived key (ClientKey through the proof, StoredKey through the signature it is XORed with,
    /// ServerKey through the server signature), so matching both checks Hi, HMAC and H together.
    @Test func rfc7677Sha256Exchange() throws {
        let formatter = ScramFormatter(.scramSha256)
        let salt = Self.base64("W22ZaJ0SNY7soEsUEjb6gQ==")
        let salted = try formatter.saltedPassword("pencil", salt: salt, iterations: 4096)
        let clientKey = formatter.clientKey(saltedPassword: salted)
        let storedKey = formatter.storedKey(clientKey: clientKey)
        let nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
        let authMessage = Array(
            "n=user,r=rOprNGfwEbeRWgbNEkqO,r=\(nonce),s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=\(nonce)".utf8)
        let clientSignature = formatter.hmac(key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        #expect(proof == Self.base64("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
        let serverSignature = formatter.hmac(key: formatter.serverKey(saltedPassword: salted), authMessage)
        #expect(serverSignature == Self.base64("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
    }

    /// Computed with Python: `hashlib.pbkdf2_hmac(h, "pässwörd".encode(), b"gregor-salt", 4096)`, then
    /// `hmac.new(sp, b"Client Key", h)` hashed, and `hmac.new(sp, b"Server Key", h)`.
    @Test(arguments: [
        (ScramMechanism.scramSha256, "l5zlw7EvH3kHUUN+VonFoysBOkkAoLyi1hWSKL+BxL0=",
         "IkcyoHbTnSb50feR+4Hq8LpA9Ewg9HtV6KCknRe8rEg=", "t7i0wDNEExVRUYib6DcFVeGI2mJ0lcfleO0pSyQ9rNw="),
        (ScramMechanism.scramSha512,
         "uzSAfo2DAxsWDFeR7NAqvXCrlCzqwETB9Mv1TJ53G+cDSL7Tn6wPw6dVTFxf8e4aBf0ayRhETngHVAj6IKjUrA==",
         "YF7XYxfpLQj9RWOY+iDfidhvYOi7VwFQNM44eT4vMNSPzOFzjIa/Ydb2GsWUhPxKBlisWVrwI6K4z+35yEU9dw==",
         "AxUQFPuL0MRWpCyOVLS6+BAWTzFqpY3bF9qpp1YLe0dxrf7IPLywMov99PqDFz4T27g0h1HpB17vBQKO5MEKTQ=="),
    ])
    func pythonVectors(mechanism: ScramMechanism, salted: String, stored: String, server: String) throws {
        let formatter = ScramFormatter(mechanism)
        let salt = Array("gregor-salt".utf8)
        let saltedPassword = try formatter.saltedPassword("pässwörd", salt: salt, iterations: 4096)
        #expect(saltedPassword == Self.base64(salted))
        let credential = formatter.credential(salt: salt, saltedPassword: saltedPassword, iterations: 4096)
        #expect(credential == ScramCredential(
            salt: salt, storedKey: Self.base64(stored), serverKey: Self.base64(server), iterations: 4096))
        #expect(try formatter.credential(password: "pässwörd", salt: salt, iterations: 4096) == credential)
    }

    @Test func mechanismsByNameAndType() {
        #expect(ScramMechanism(mechanismName: "SCRAM-SHA-256") == .scramSha256)
        #expect(ScramMechanism(mechanismName: "SCRAM-SHA-512") == .scramSha512)
        #expect(ScramMechanism(mechanismName: "scram-sha-256") == nil)
        #expect(ScramMechanism(rawValue: 0) == nil)
        #expect(ScramMechanism(rawValue: 2)?.mechanismName == "SCRAM-SHA-512")
    }

    /// Salts look like Kafka's: base-36 text, different every time.
    @Test func randomSaltsAreBase36TextAndDiffer() {
        let first = ScramFormatter.randomSalt()
        #expect(first.count == 26)
        #expect(first.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) })
        #expect(ScramFormatter.randomSalt() != first)
    }
}
