import SwiftASN1

/// What can be seen in a PKCS#12 file without its password: the parts of its `AuthenticatedSafe` that are not
/// encrypted, their private-key bags and certificate bags (RFC 7292).
///
/// Why look before BoringSSL does: swift-nio-ssl's `NIOSSLPKCS12Bundle` stops the process when a store holds no
/// private key (a truststore given as a keystore), so a keystore must show a key bag first. OpenSSL and Java's
/// keytool both write the key bag (itself encrypted, `pkcs8ShroudedKeyBag`) into a plain part and the certificates
/// into an encrypted one, while truststores written with `-certpbe NONE` / `keystore.pkcs12.certProtectionAlgorithm
/// =NONE` keep their certificates plain, which is what lets them be read here without BoringSSL.
struct Pkcs12Contents {
    /// Private-key bags (`keyBag`, `pkcs8ShroudedKeyBag`) in plain parts.
    var keyBags = 0
    /// DER X.509 certificates of certificate bags in plain parts.
    var certificates: [[UInt8]] = []
    /// Parts encrypted with the store's password (`encryptedData`), whose bags cannot be seen.
    var encryptedParts = 0

    static let data: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 1]
    static let encryptedData: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 6]
    static let keyBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 1]
    static let shroudedKeyBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 2]
    static let certBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 3]
    static let x509Certificate: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 22, 1]

    struct NotPkcs12: Error {
        var reason: String
    }

    /// - Throws: `NotPkcs12` when `bytes` is not a PKCS#12 PFX (a PEM file, a JKS store, garbage).
    init(bytes: [UInt8]) throws(NotPkcs12) {
        do {
            let pfx = try Self.children(of: BER.parse(bytes))
            guard pfx.count >= 2, try Int(berEncoded: pfx[0]) == 3 else { throw NotPkcs12(reason: "not a PKCS#12 v3 store") }
            let (type, content) = try Self.contentInfo(pfx[1])
            guard type == Self.data, let content else { throw NotPkcs12(reason: "its contents are signed, not password-protected") }
            for part in try Self.children(of: BER.parse(Self.octets(content))) {
                let (partType, partContent) = try Self.contentInfo(part)
                if partType == Self.encryptedData {
                    encryptedParts += 1
                } else if partType == Self.data, let partContent {
                    try readBags(Self.children(of: BER.parse(Self.octets(partContent))))
                }
            }
        } catch let error as NotPkcs12 {
            throw error
        } catch {
            throw NotPkcs12(reason: "not a PKCS#12 store (\(error))")
        }
    }

    private mutating func readBags(_ bags: [ASN1Node]) throws {
        for bag in bags {
            let fields = try Self.children(of: bag)
            guard fields.count >= 2 else { continue }
            let bagId = try ASN1ObjectIdentifier(berEncoded: fields[0])
            if bagId == Self.keyBag || bagId == Self.shroudedKeyBag {
                keyBags += 1
            } else if bagId == Self.certBag, let value = try Self.explicit(fields[1]) {
                let certBag = try Self.children(of: value)
                guard certBag.count == 2, try ASN1ObjectIdentifier(berEncoded: certBag[0]) == Self.x509Certificate,
                    let certificate = try Self.explicit(certBag[1])
                else { continue }
                certificates.append(try Self.octets(certificate))
            }
        }
    }

    /// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL }`.
    private static func contentInfo(_ node: ASN1Node) throws -> (ASN1ObjectIdentifier, ASN1Node?) {
        let fields = try children(of: node)
        guard let first = fields.first else { throw NotPkcs12(reason: "an empty ContentInfo") }
        return (try ASN1ObjectIdentifier(berEncoded: first), fields.count > 1 ? try explicit(fields[1]) : nil)
    }

    /// The node inside a `[0] EXPLICIT` wrapper.
    private static func explicit(_ node: ASN1Node) throws -> ASN1Node? {
        guard node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) else { return nil }
        return try children(of: node).first
    }

    private static func octets(_ node: ASN1Node) throws -> [UInt8] {
        Array(try ASN1OctetString(berEncoded: node).bytes)
    }

    private static func children(of node: ASN1Node) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw NotPkcs12(reason: "a primitive where a SEQUENCE belongs") }
        return Array(nodes)
    }
}
