import Testing

@testable import KafkaProtocol

/// The credential text of `/config/users/<user>` (Kafka's `ScramCredentialUtils`).
@Suite struct ScramCredentialTests {
    let credential = ScramCredential(salt: [1, 2, 3], storedKey: [0xFF, 0xFE], serverKey: Array("key".utf8), iterations: 8192)

    @Test func writesKafkasFormat() {
        #expect(credential.credentialString == "salt=AQID,stored_key=//4=,server_key=a2V5,iterations=8192")
    }

    @Test func readsItBackInAnyKeyOrder() {
        #expect(ScramCredential(credentialString: credential.credentialString) == credential)
        #expect(ScramCredential(credentialString: "iterations=8192,server_key=a2V5,stored_key=//4=,salt=AQID") == credential)
    }

    @Test(arguments: [
        "",
        "salt=AQID,stored_key=//4=,server_key=a2V5",  // a key missing
        "salt=AQID,stored_key=//4=,server_key=a2V5,iterations=8192,extra=1",  // one too many
        "salt=AQID,stored_key=//4=,stored_key=//4=,iterations=8192",  // a duplicate instead of server_key
        "salt=AQID,stored_key=//4=,server_key=a2V5,iterations=lots",
        "salt=AQID,stored_key=//4=,server_key=a2V5,iterations=0",
        "salt=AQID,stored_key=//4=,server_key=a2V5,iterations=99999999999",
        "salt=!!!!,stored_key=//4=,server_key=a2V5,iterations=8192",  // not base64
        "=AQID,stored_key=//4=,server_key=a2V5,iterations=8192",  // an empty key
        "salt,stored_key=//4=,server_key=a2V5,iterations=8192",  // no '='
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(ScramCredential(credentialString: text) == nil)
    }
}
