import NIOSSL

extension SslSettings {
    /// TLS for a client connection: the server's certificate must chain to the truststore (the system's CAs when
    /// none is set) and, unless `ssl.endpoint.identification.algorithm` is empty, name the host connected to; the
    /// keystore, when set, is presented to brokers that ask for a client certificate.
    public func clientTLSConfiguration() throws(SslConfigError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        let versions = try tlsVersions()
        tls.minimumTLSVersion = versions.minimum
        tls.maximumTLSVersion = versions.maximum
        tls.certificateVerification = try verifiesHostName() ? .fullVerification : .noHostnameVerification
        if let certificates = try trustedCertificates() {
            tls.trustRoots = .certificates(certificates)
        }
        if let keyStore = try keyStore() {
            tls.certificateChain = keyStore.certificateChain.map { .certificate($0) }
            tls.privateKey = .privateKey(keyStore.privateKey)
        }
        return tls
    }
}
