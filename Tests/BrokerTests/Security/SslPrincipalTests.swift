import NIOSSL
import SwiftASN1
import Testing
import X509

@testable import Broker

/// The TLS principal against what Java's `X500Principal.getName()` (RFC 2253, `sun.security.x509.AVA`) prints for
/// the same subject, which is what Kafka's ACLs and `super.users` name.
@Suite struct SslPrincipalTests {
    typealias Attribute = RelativeDistinguishedName.Attribute

    static func name(_ attributes: [Attribute]...) -> DistinguishedName {
        DistinguishedName(attributes.map { RelativeDistinguishedName($0) })
    }

    static func cn(_ value: String) -> Attribute {
        Attribute(type: .RDNAttributeType.commonName, utf8String: value)
    }

    @Test func relativeNamesPrintLastFirstWithRfc2253Keywords() throws {
        let subject = Self.name(
            [try Attribute(type: .RDNAttributeType.countryName, printableString: "US")],
            [Attribute(type: .RDNAttributeType.stateOrProvinceName, utf8String: "CA")],
            [Attribute(type: .RDNAttributeType.localityName, utf8String: "Palo Alto")],
            [Attribute(type: .RDNAttributeType.organizationName, utf8String: "Example")],
            [Attribute(type: .RDNAttributeType.organizationalUnitName, utf8String: "eng")],
            [Self.cn("alice")])
        #expect(SslPrincipal.rfc2253(subject) == "CN=alice,OU=eng,O=Example,L=Palo Alto,ST=CA,C=US")
        let domain = Self.name(
            [try Attribute(type: .RDNAttributeType.domainComponent, ia5String: "com")],
            [try Attribute(type: .RDNAttributeType.domainComponent, ia5String: "example")],
            [Attribute(type: .RDNAttributeType.streetAddress, utf8String: "1 Main St")],
            [Attribute(type: [0, 9, 2342, 19_200_300, 100, 1, 1], utf8String: "jdoe")])
        #expect(SslPrincipal.rfc2253(domain) == "UID=jdoe,STREET=1 Main St,DC=example,DC=com")
    }

    @Test func specialCharactersAreEscapedAsJavaDoes() {
        // Java escapes , = + < > # ; " \ anywhere (RFC 2253 only asks for a leading #; Java adds = and #).
        #expect(SslPrincipal.rfc2253(Self.name([Self.cn(#"Smith, John+Jr=<x>#;"q"\"#)])) == ##"CN=Smith\, John\+Jr\=\<x\>\#\;\"q\"\\"##)
        #expect(SslPrincipal.rfc2253(Self.name([Self.cn("  two spaces ")])) == #"CN=\ \ two spaces\ "#)
        #expect(SslPrincipal.rfc2253(Self.name([Self.cn("nul\u{0}byte")])) == #"CN=nul\00byte"#)
        // Other characters, including non-ASCII ones and `@`, stay as they are.
        #expect(SslPrincipal.rfc2253(Self.name([Self.cn("Zoë@örebro_x*")])) == "CN=Zoë@örebro_x*")
    }

    @Test func typesWithoutAKeywordPrintTheirOidAndDerValueInHex() throws {
        // emailAddress, IA5String "a@b.c": 16 05 61 40 62 2e 63.
        let email = Self.name([try Attribute(type: .RDNAttributeType.emailAddress, ia5String: "a@b.c")], [Self.cn("x")])
        #expect(SslPrincipal.rfc2253(email) == "CN=x,1.2.840.113549.1.9.1=#16056140622e63")
        // serialNumber (2.5.4.5), PrintableString "0A1".
        let serial = Self.name([try Attribute(type: [2, 5, 4, 5], printableString: "0A1")])
        #expect(SslPrincipal.rfc2253(serial) == "2.5.4.5=#1303304131")
    }

    @Test func multiValuedRelativeNamesJoinWithPlus() {
        let subject = Self.name(
            [Attribute(type: .RDNAttributeType.organizationName, utf8String: "Gregor")],
            [Self.cn("a"), Attribute(type: [0, 9, 2342, 19_200_300, 100, 1, 1], utf8String: "b")])
        #expect(SslPrincipal.rfc2253(subject) == "CN=a+UID=b,O=Gregor")
    }

    /// The client certificate of scripts/tls-certs.sh (`-subj /O=Gregor/CN=client`).
    @Test func principalOfARealCertificate() throws {
        let pem = """
            -----BEGIN CERTIFICATE-----
            MIIBtjCCAVygAwIBAgIIAT0qOIeXC38wCgYIKoZIzj0EAwIwKjEPMA0GA1UECgwG
            R3JlZ29yMRcwFQYDVQQDDA5HcmVnb3IgVGVzdCBDQTAgFw0yNjEyMDYwNjMwNDVa
            GA8yMTI2MTExMjA2MzA0NVowIjEPMA0GA1UECgwGR3JlZ29yMQ8wDQYDVQQDDAZj
            bGllbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQvyoRMnlVqU5zN2iB4GK+A
            EIUkdAHLrpibyNH+XWnCc5xIbH+z/qR3Y5fgtq/OZ2Vz1CDef9jL9Pp2oKZDqM8G
            o3IwcDAJBgNVHRMEAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEF
            BQcDAjAdBgNVHQ4EFgQUB/UEXyyEcARfPKRlUz2/Zt8FPagwHwYDVR0jBBgwFoAU
            y7/WFcgiega46ooLQfvd7b5P0HQwCgYIKoZIzj0EAwIDSAAwRQIhALwmvugZDCbc
            DgYPmdiaj8a6NiTD/QMs0enTdlwOknGXAiAJD6OuOiWlGDpuTdvxtFJvoLsjityR
            VcpW/Sqj6+MWQA==
            -----END CERTIFICATE-----
            """
        let certificate = try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem)
        #expect(SslPrincipal.principal(of: certificate) == "User:CN=client,O=Gregor")
    }
}
