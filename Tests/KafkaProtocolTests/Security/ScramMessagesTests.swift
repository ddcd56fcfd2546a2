import Foundation
import Testing

@testable import KafkaProtocol

/// SCRAM's messages and proofs against RFC 7677's example exchange (SCRAM-SHA-256, user "user", password "pencil").
@Suite struct ScramMessagesTests {
    static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    @Test func parsesAndWritesRfc7677sMessages() throws {
        let first = try #require(ScramMessages.ClientFirst(Array(Self.clientFirst.utf8)))
        #expect(first.username == "user" && first.nonce == "rOprNGfwEbeRWgbNEkqO" && first.authorizationId.isEmpty)
        #expect(ScramMessages.ClientFirst(username: "user", nonce: "rOprNGfwEbeRWgbNEkqO").message == Self.clientFirst)
        let server = try #require(ScramMessages.ServerFirst(Array(Self.serverFirst.utf8)))
        #expect(server.iterations == 4096 && server.message == Self.serverFirst)
        let final = try #require(ScramMessages.ClientFinal(Array(Self.clientFinal.utf8)))
        #expect(final.message == Self.clientFinal)
        #expect(ScramMessages.ServerFinal(Array(Self.serverFinal.utf8))?.message == Self.serverFinal)
    }

    @Test func clientProofAndServerSignatureMatchTheRfc() throws {
        let first = try #require(ScramMessages.ClientFirst(Array(Self.clientFirst.utf8)))
        let server = try #require(ScramMessages.ServerFirst(Array(Self.serverFirst.utf8)))
        let final = try #require(ScramMessages.ClientFinal(Array(Self.clientFinal.utf8)))
        let formatter = ScramFormatter(.scramSha256)
        let salted = try formatter.saltedPassword("pencil", salt: server.salt, iterations: server.iterations)
        let authMessage = ScramMessages.authMessage(first, server, final)
        #expect(formatter.clientProof(saltedPassword: salted, authMessage: authMessage) == final.proof)
        let credential = formatter.credential(salt: server.salt, saltedPassword: salted, iterations: 4096)
        #expect(formatter.verifyClientProof(final.proof, storedKey: credential.storedKey, authMessage: authMessage))
        var wrong = final.proof
        wrong[0] ^= 1
        #expect(!formatter.verifyClientProof(wrong, storedKey: credential.storedKey, authMessage: authMessage))
        let signature = formatter.serverSignature(serverKey: credential.serverKey, authMessage: authMessage)
        #expect(ScramMessages.ServerFinal.verifier(signature).message == Self.serverFinal)
    }

    @Test func saslNamesEscapeCommasAndEquals() throws {
        #expect(ScramMessages.saslName("a,b=c") == "a=2Cb=3Dc")
        let first = try #require(ScramMessages.ClientFirst(Array("n,,n=a=2Cb=3Dc,r=xyz".utf8)))
        #expect(first.username == "a,b=c")
        #expect(ScramMessages.ClientFirst(Array("n,,n=a=2Xb,r=xyz".utf8)) == nil)
    }

    @Test(arguments: [
        "",
        "y,,n=user,r=abc",  // channel binding flags other than n
        "p=tls-unique,,n=user,r=abc",
        "n,,r=abc",  // no name
        "n,,n=,r=abc",  // empty name
        "n,,n=user",  // no nonce
        "n,,n=user,r=a,b",  // nonce with a comma is two attributes; fine only if the rest parses
        "n,,n=us\u{e9}r,r=abc",  // not ASCII
    ])
    func refusesMalformedClientFirstMessages(_ text: String) {
        let parsed = ScramMessages.ClientFirst(Array(text.utf8))
        if text == "n,,n=user,r=a,b" {
            #expect(parsed?.nonce == "a")
        } else {
            #expect(parsed == nil)
        }
    }

    @Test func authorizationIdIsRead() {
        #expect(ScramMessages.ClientFirst(Array("n,a=admin,n=user,r=abc".utf8))?.authorizationId == "admin")
    }
}
