import NIOSSL

extension SslSettings {
    /// The CA certificates of the truststore (`ssl.truststore.*`), or nil when none is configured: the system's
    /// CAs then apply, as Java's default truststore does.
    ///
    /// PEM: `ssl.truststore.location` names a file of certificates, or `ssl.truststore.certificates` holds them
    /// inline. PKCS12: only stores whose certificates are not encrypted (written with `-certpbe NONE` or
    /// keytool's `-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE`) can be read; others are refused with the
    /// command that exports them to PEM.
    public func trustedCertificates() throws(SslConfigError) -> [NIOSSLCertificate]? {
        let location = value("ssl.truststore.location")
        if let inline = value("ssl.truststore.certificates") {
            guard try storeType("ssl.truststore.type") == .pem else {
                throw .invalidValue(key: "ssl.truststore.type", value: value("ssl.truststore.type") ?? "JKS",
                                    reason: "ssl.truststore.certificates needs ssl.truststore.type=PEM")
            }
            guard location == nil else {
                throw .invalidValue(key: "ssl.truststore.location", value: location ?? "",
                                    reason: "give the truststore either as a file or inline (ssl.truststore.certificates), not both")
            }
            return try Self.certificates(inPEM: inline, key: "ssl.truststore.certificates", path: nil)
        }
        guard let location else { return nil }
        let key = "ssl.truststore.location"
        switch try storeType("ssl.truststore.type") {
        case .jks:
            throw .javaKeyStore(key: key, path: location, typeKey: "ssl.truststore.type")
        case .pem:
            let text = String(decoding: try StoreFile.load(key: key, path: location), as: UTF8.self)
            return try Self.certificates(inPEM: text, key: key, path: location)
        case .pkcs12:
            return try Self.pkcs12Certificates(StoreFile.load(key: key, path: location), path: location)
        }
    }

    private static func pkcs12Certificates(_ bytes: [UInt8], path: String) throws(SslConfigError) -> [NIOSSLCertificate] {
        let key = "ssl.truststore.location"
        let contents: Pkcs12Contents
        do {
            contents = try Pkcs12Contents(bytes: bytes)
        } catch {
            throw .invalidContents(key: key, path: path, reason: "ssl.truststore.type is PKCS12, but the file is \(error.reason)")
        }
        guard contents.encryptedParts == 0, !contents.certificates.isEmpty else {
            throw .invalidContents(
                key: key, path: path,
                reason: "its certificates are encrypted, which Gregor cannot read: export them to PEM and set "
                    + "ssl.truststore.type=PEM: openssl pkcs12 -in \(path) -nokeys -out truststore.pem")
        }
        var certificates: [NIOSSLCertificate] = []
        for (index, der) in contents.certificates.enumerated() {
            do {
                certificates.append(try NIOSSLCertificate(bytes: der, format: .der))
            } catch {
                throw .invalidContents(key: key, path: path, reason: "certificate \(index + 1) does not parse (\(error))")
            }
        }
        return certificates
    }
}
