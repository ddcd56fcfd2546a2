import NIOSSL
import SwiftASN1
import X509

/// Kafka's principal for a client that authenticated with a TLS certificate: `User:` and the certificate subject's
/// distinguished name exactly as Java's `X500Principal.getName()` prints it (RFC 2253), since that string is what
/// ACLs and `super.users` name (`User:CN=alice,OU=eng,O=Example,C=US`). Kafka's default
/// `ssl.principal.mapping.rules` (DEFAULT) uses it unchanged.
///
/// Java's format, from `sun.security.x509.AVA.toRFC2253String`: relative names last-first, joined by `,`; several
/// attributes of one relative name joined by `+`; the RFC 2253 keywords (CN, C, L, ST, O, OU, STREET, DC, UID),
/// other types as dotted OIDs whose values are `#` and the lowercase hex of their DER encoding (so
/// `emailAddress=a@b` prints as `1.2.840.113549.1.9.1=#1603614062`), as are values that are not strings; in
/// strings, `, = + < > # ; " \` get a backslash, NUL becomes `\00`, and leading and trailing spaces are escaped.
enum SslPrincipal {
    /// `User:<subject DN>`, nil when the certificate does not parse.
    static func principal(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        return "User:" + rfc2253(parsed.subject)
    }

    static func rfc2253(_ name: DistinguishedName) -> String {
        name.reversed().map { rdn in rdn.map(attribute).joined(separator: "+") }.joined(separator: ",")
    }

    static let keywords: [ASN1ObjectIdentifier: String] = [
        .RDNAttributeType.commonName: "CN", .RDNAttributeType.countryName: "C", .RDNAttributeType.localityName: "L",
        .RDNAttributeType.stateOrProvinceName: "ST", .RDNAttributeType.organizationName: "O",
        .RDNAttributeType.organizationalUnitName: "OU", .RDNAttributeType.streetAddress: "STREET",
        .RDNAttributeType.domainComponent: "DC", [0, 9, 2342, 19_200_300, 100, 1, 1]: "UID",
    ]

    private static func attribute(_ attribute: RelativeDistinguishedName.Attribute) -> String {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(ASN1Any(attribute.value))) != nil,
            let node = try? DER.parse(serializer.serializedBytes)
        else { return "\(attribute.type)=" }
        guard let keyword = keywords[attribute.type], let text = string(node) else {
            return "\(attribute.type)=#" + serializer.serializedBytes.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
        return keyword + "=" + escaped(text)
    }

    /// The text of the string types Java prints as text (its `isDerString`); nil for any other type.
    private static func string(_ node: ASN1Node) -> String? {
        guard node.identifier.tagClass == .universal, case .primitive(let bytes) = node.content else { return nil }
        switch node.identifier.tagNumber {
        case 12, 19, 22, 27:  // UTF8String, PrintableString, IA5String, GeneralString
            return String(decoding: bytes, as: UTF8.self)
        case 20:  // T61String, read as Latin-1
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case 30:  // BMPString: UTF-16, big-endian
            guard bytes.count % 2 == 0 else { return nil }
            let units = stride(from: bytes.startIndex, to: bytes.endIndex, by: 2).map {
                UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
            }
            return String(decoding: units, as: UTF16.self)
        default:
            return nil
        }
    }

    private static func escaped(_ text: String) -> String {
        var characters: [Character] = []
        for character in text {
            if ",=+<>#;\"\\".contains(character) {
                characters += ["\\", character]
            } else if character == "\u{0}" {
                characters += ["\\", "0", "0"]
            } else {
                characters.append(character)
            }
        }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\r" }
        let lead = characters.firstIndex { !isSpace($0) } ?? characters.count
        let trail = characters.lastIndex { !isSpace($0) } ?? -1
        var result = ""
        for (index, character) in characters.enumerated() {
            if index < lead || index > trail { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
