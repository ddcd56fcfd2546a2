import Foundation
import NIOSSL
import Testing

@testable import KafkaClient

/// Reading Kafka's `ssl.*` stores (fixtures from scripts/tls-certs.sh, see Fixtures/tls/README.md) and the errors
/// that name the key and the file.
@Suite struct SslSettingsTests {
    static func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.url(forResource: "Fixtures/tls/\(name)", withExtension: nil)).path
    }

    static func settings(_ values: [String: String]) -> SslSettings {
        SslSettings { values[$0] }
    }

    /// The `SslConfigError` `body` throws (nil when it throws none, or another error).
    static func error(_ body: () throws -> Void) -> SslConfigError? {
        do {
            try body()
            return nil
        } catch {
            return error as? SslConfigError
        }
    }

    @Test func pemKeystoreFileHoldsTheKeyAndTheChain() throws {
        let store = try #require(try Self.settings([
            "ssl.keystore.type": "PEM", "ssl.keystore.location": Self.fixture("broker.pem"),
        ]).keyStore())
        #expect(store.certificateChain.count == 2)  // the broker's certificate, then the CA's
        #expect(store.certificateChain[1] == (try NIOSSLCertificate.fromPEMFile(Self.fixture("ca.pem")))[0])
    }

    @Test func inlinePemKeystore() throws {
        let text = try String(contentsOfFile: Self.fixture("broker.pem"), encoding: .utf8)
        let store = try #require(try Self.settings([
            "ssl.keystore.type": "PEM", "ssl.keystore.key": text, "ssl.keystore.certificate.chain": text,
        ]).keyStore())
        #expect(store.certificateChain.count == 2)
        let onlyKey = Self.error { _ = try Self.settings(["ssl.keystore.type": "PEM", "ssl.keystore.key": text]).keyStore() }
        #expect(onlyKey == .missing(key: "ssl.keystore.certificate.chain", reason: "ssl.keystore.key is set without its certificates"))
    }

    @Test func noKeystoreConfiguredIsNil() throws {
        let keyStore = try Self.settings([:]).keyStore()
        let certificates = try Self.settings([:]).trustedCertificates()
        #expect(keyStore == nil)
        #expect(certificates == nil)
    }

    @Test func encryptedPemKeyNeedsTheRightKeyPassword() throws {
        let path = try Self.fixture("broker-encrypted.pem")
        let base = ["ssl.keystore.type": "PEM", "ssl.keystore.location": path]
        let store = try Self.settings(base.merging(["ssl.key.password": "key-secret"]) { $1 }).keyStore()
        #expect(store?.certificateChain.count == 2)
        let wrong = Self.error { _ = try Self.settings(base.merging(["ssl.key.password": "nope"]) { $1 }).keyStore() }
        #expect(wrong == .invalidContents(key: "ssl.keystore.location", path: path, reason: "cannot decrypt the private key: wrong ssl.key.password?"))
        let missing = Self.error { _ = try Self.settings(base).keyStore() }
        #expect(missing == .missing(key: "ssl.key.password", reason: "the private key of \(path) is encrypted"))
    }

    @Test func missingFileNamesTheKeyAndTheFile() {
        let error = Self.error {
            _ = try Self.settings(["ssl.keystore.type": "PEM", "ssl.keystore.location": "/nonexistent/broker.pem"]).keyStore()
        }
        #expect(error == .unreadableFile(key: "ssl.keystore.location", path: "/nonexistent/broker.pem", reason: "No such file or directory"))
        #expect(error?.description == "Cannot read /nonexistent/broker.pem (ssl.keystore.location): No such file or directory")
    }

    @Test func jksIsRefusedWithTheConversionCommands() {
        // JKS is Kafka's default type: a location without a type is a JKS store.
        let error = Self.error { _ = try Self.settings(["ssl.truststore.location": "/etc/kafka/truststore.jks"]).trustedCertificates() }
        #expect(error == .javaKeyStore(key: "ssl.truststore.location", path: "/etc/kafka/truststore.jks", typeKey: "ssl.truststore.type"))
        let text = error?.description ?? ""
        #expect(text.contains("keytool -importkeystore -srckeystore /etc/kafka/truststore.jks"))
        #expect(text.contains("-deststoretype PKCS12"))
        #expect(text.contains("openssl pkcs12"))
    }

    @Test func pemWithoutAKeyOrACertificateSaysWhichIsMissing() throws {
        let ca = try Self.fixture("ca.pem")
        let noKey = Self.error { _ = try Self.settings(["ssl.keystore.type": "PEM", "ssl.keystore.location": ca]).keyStore() }
        #expect(noKey == .invalidContents(key: "ssl.keystore.location", path: ca, reason: "no private key in PEM (a -----BEGIN PRIVATE KEY----- block)"))
        let garbage = Self.error { _ = try Self.settings(["ssl.truststore.type": "PEM", "ssl.truststore.certificates": "not a certificate"]).trustedCertificates() }
        #expect(garbage == .invalidContents(key: "ssl.truststore.certificates", path: nil, reason: "no certificate in PEM (a -----BEGIN CERTIFICATE----- block)"))
    }

    @Test func pkcs12KeystoreNeedsItsPassword() throws {
        let path = try Self.fixture("broker.p12")
        let base = ["ssl.keystore.type": "PKCS12", "ssl.keystore.location": path]
        let store = try #require(try Self.settings(base.merging(["ssl.keystore.password": "gregor-test"]) { $1 }).keyStore())
        #expect(store.certificateChain.count == 2)
        let wrong = Self.error { _ = try Self.settings(base.merging(["ssl.keystore.password": "nope"]) { $1 }).keyStore() }
        #expect(wrong == .invalidContents(key: "ssl.keystore.location", path: path, reason: "cannot open the PKCS12 store: wrong ssl.keystore.password?"))
    }

    @Test func pkcs12WithoutAKeyIsNoKeystore() throws {
        // swift-nio-ssl would stop the process on this one: it must be refused before.
        let path = try Self.fixture("truststore-plain.p12")
        let error = Self.error {
            _ = try Self.settings(["ssl.keystore.type": "PKCS12", "ssl.keystore.location": path, "ssl.keystore.password": "trust-secret"]).keyStore()
        }
        #expect(error == .invalidContents(key: "ssl.keystore.location", path: path, reason: "the PKCS12 store holds no private key (is it a truststore?)"))
        let pem = try Self.fixture("broker.pem")
        let notPkcs12 = Self.error { _ = try Self.settings(["ssl.keystore.type": "PKCS12", "ssl.keystore.location": pem]).keyStore() }
        guard case .invalidContents(_, _, let reason)? = notPkcs12 else { Issue.record("\(String(describing: notPkcs12))"); return }
        #expect(reason.hasPrefix("ssl.keystore.type is PKCS12, but the file is not a PKCS#12 store"))
    }

    @Test func pkcs12Truststores() throws {
        let plain = try Self.fixture("truststore-plain.p12")
        let certificates = try #require(try Self.settings(["ssl.truststore.type": "PKCS12", "ssl.truststore.location": plain]).trustedCertificates())
        #expect(certificates == (try NIOSSLCertificate.fromPEMFile(Self.fixture("ca.pem"))))
        let encrypted = try Self.fixture("truststore-encrypted.p12")
        let error = Self.error { _ = try Self.settings(["ssl.truststore.type": "PKCS12", "ssl.truststore.location": encrypted]).trustedCertificates() }
        guard case .invalidContents(_, _, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("openssl pkcs12 -in \(encrypted) -nokeys -out truststore.pem"))
    }

    @Test func enabledProtocolsAndHostNameCheck() throws {
        let versions = try [[:], ["ssl.enabled.protocols": "TLSv1.3"], ["ssl.enabled.protocols": " TLSv1.2 "]].map {
            let range = try Self.settings($0).tlsVersions()
            return [range.minimum, range.maximum]
        }
        #expect(versions == [[.tlsv12, .tlsv13], [.tlsv13, .tlsv13], [.tlsv12, .tlsv12]])
        let old = Self.error { _ = try Self.settings(["ssl.enabled.protocols": "TLSv1.1,TLSv1.2"]).tlsVersions() }
        #expect(old == .invalidValue(key: "ssl.enabled.protocols", value: "TLSv1.1,TLSv1.2", reason: "TLSv1.1 is not supported; use TLSv1.2 and/or TLSv1.3"))
        #expect(try Self.settings([:]).verifiesHostName())
        #expect(try Self.settings(["ssl.endpoint.identification.algorithm": "HTTPS"]).verifiesHostName())
        #expect(try !Self.settings(["ssl.endpoint.identification.algorithm": ""]).verifiesHostName())
        let tls = try Self.settings(["ssl.endpoint.identification.algorithm": "", "ssl.truststore.type": "PEM",
                                     "ssl.truststore.location": Self.fixture("ca.pem")]).clientTLSConfiguration()
        #expect(tls.certificateVerification == .noHostnameVerification)
        #expect(tls.certificateChain.isEmpty)
    }
}
