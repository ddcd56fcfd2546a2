import NIOSSL

/// A private key and its certificate chain, leaf first: what a TLS listener presents, and what a client presents
/// when the broker asks for a certificate (`ssl.client.auth`).
public struct SslKeyStore: Sendable {
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey
}

extension SslSettings {
    /// The keystore (`ssl.keystore.*`), or nil when none is configured.
    ///
    /// PEM: `ssl.keystore.location` names one file with the private key (encrypted with `ssl.key.password`, or
    /// not) and the certificate chain; or `ssl.keystore.key` and `ssl.keystore.certificate.chain` hold the same
    /// inline. PKCS12: `ssl.keystore.location` with `ssl.keystore.password`.
    public func keyStore() throws(SslConfigError) -> SslKeyStore? {
        let location = value("ssl.keystore.location")
        let inlineKey = value("ssl.keystore.key")
        let inlineChain = value("ssl.keystore.certificate.chain")
        if inlineKey != nil || inlineChain != nil {
            guard try storeType("ssl.keystore.type") == .pem else {
                throw .invalidValue(key: "ssl.keystore.type", value: value("ssl.keystore.type") ?? "JKS",
                                    reason: "ssl.keystore.key and ssl.keystore.certificate.chain need ssl.keystore.type=PEM")
            }
            guard location == nil else {
                throw .invalidValue(key: "ssl.keystore.location", value: location ?? "",
                                    reason: "give the keystore either as a file or inline (ssl.keystore.key), not both")
            }
            guard let inlineKey else { throw .missing(key: "ssl.keystore.key", reason: "ssl.keystore.certificate.chain is set without its key") }
            guard let inlineChain else { throw .missing(key: "ssl.keystore.certificate.chain", reason: "ssl.keystore.key is set without its certificates") }
            return SslKeyStore(
                certificateChain: try Self.certificates(inPEM: inlineChain, key: "ssl.keystore.certificate.chain", path: nil),
                privateKey: try privateKey(inPEM: inlineKey, key: "ssl.keystore.key", path: nil))
        }
        guard let location else { return nil }
        let key = "ssl.keystore.location"
        switch try storeType("ssl.keystore.type") {
        case .jks:
            throw .javaKeyStore(key: key, path: location, typeKey: "ssl.keystore.type")
        case .pem:
            let text = String(decoding: try StoreFile.load(key: key, path: location), as: UTF8.self)
            return SslKeyStore(
                certificateChain: try Self.certificates(inPEM: text, key: key, path: location),
                privateKey: try privateKey(inPEM: text, key: key, path: location))
        case .pkcs12:
            return try pkcs12KeyStore(StoreFile.load(key: key, path: location), path: location)
        }
    }

    /// The one private key of a PEM text, decrypted with `ssl.key.password` when it is encrypted.
    private func privateKey(inPEM text: String, key: String, path: String?) throws(SslConfigError) -> NIOSSLPrivateKey {
        let blocks = PemBlock.parse(text).filter(\.isPrivateKey)
        guard let block = blocks.first else {
            throw .invalidContents(key: key, path: path, reason: "no private key in PEM (a -----BEGIN PRIVATE KEY----- block)")
        }
        guard blocks.count == 1 else {
            throw .invalidContents(key: key, path: path, reason: "\(blocks.count) private keys; a keystore holds one")
        }
        let password = value("ssl.key.password")
        if block.isEncrypted && password == nil {
            throw .missing(key: "ssl.key.password", reason: "the private key of \(path ?? key) is encrypted")
        }
        do {
            return try NIOSSLPrivateKey(bytes: Array(block.text.utf8), format: .pem) { (setPassword: NIOSSLPassphraseSetter<[UInt8]>) in
                setPassword(Array((password ?? "").utf8))
            }
        } catch {
            let reason = block.isEncrypted
                ? "cannot decrypt the private key: wrong ssl.key.password?" : "the private key does not parse (\(error))"
            throw .invalidContents(key: key, path: path, reason: reason)
        }
    }

    /// Every certificate of a PEM text, in order.
    static func certificates(inPEM text: String, key: String, path: String?) throws(SslConfigError) -> [NIOSSLCertificate] {
        let blocks = PemBlock.parse(text).filter(\.isCertificate)
        guard !blocks.isEmpty else {
            throw .invalidContents(key: key, path: path, reason: "no certificate in PEM (a -----BEGIN CERTIFICATE----- block)")
        }
        var certificates: [NIOSSLCertificate] = []
        for (index, block) in blocks.enumerated() {
            do {
                certificates.append(try NIOSSLCertificate(bytes: Array(block.text.utf8), format: .pem))
            } catch {
                throw .invalidContents(key: key, path: path, reason: "certificate \(index + 1) does not parse (\(error))")
            }
        }
        return certificates
    }

    private func pkcs12KeyStore(_ bytes: [UInt8], path: String) throws(SslConfigError) -> SslKeyStore {
        let key = "ssl.keystore.location"
        let contents: Pkcs12Contents
        do {
            contents = try Pkcs12Contents(bytes: bytes)
        } catch {
            throw .invalidContents(key: key, path: path, reason: "ssl.keystore.type is PKCS12, but the file is \(error.reason)")
        }
        guard contents.keyBags > 0 else {
            throw .invalidContents(key: key, path: path, reason: "the PKCS12 store holds no private key (is it a truststore?)")
        }
        let password = value("ssl.keystore.password")
        do {
            let bundle = try NIOSSLPKCS12Bundle(buffer: bytes, passphrase: password.map { Array($0.utf8) })
            return SslKeyStore(certificateChain: bundle.certificateChain, privateKey: bundle.privateKey)
        } catch {
            let reason = password == nil
                ? "cannot open the PKCS12 store without a password: set ssl.keystore.password"
                : "cannot open the PKCS12 store: wrong ssl.keystore.password?"
            throw .invalidContents(key: key, path: path, reason: reason)
        }
    }
}
