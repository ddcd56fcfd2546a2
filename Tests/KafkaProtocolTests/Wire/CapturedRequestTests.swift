import Foundation
import NIOCore
import Testing

@testable import KafkaProtocol

/// The first request real clients send, captured by `Fixtures/wire/capture.py`: ApiVersions, decoded with the
/// request-header codec, then the body checked against ApiVersions v3/v4's fields with the wire primitives alone
/// (`CapturedApiVersionsTests` decodes the same frames with the generated `ApiVersionsRequest`).
@Suite struct CapturedRequestTests {
    struct Capture: Sendable, CustomStringConvertible {
        let file: String
        let apiVersion: Int16
        let clientId: String
        let softwareName: String
        let softwareVersion: String
        var description: String { file }
    }

    static let captures = [
        Capture(
            file: "confluent-kafka", apiVersion: 3, clientId: "gregor-capture-confluent",
            softwareName: "confluent-kafka-python", softwareVersion: "2.16.1-rdkafka-2.16.0"),
        Capture(
            file: "kafka-python", apiVersion: 4, clientId: "gregor-capture-kafka-python",
            softwareName: "kafka-python", softwareVersion: "3.0.12"),
        Capture(
            file: "kcat", apiVersion: 3, clientId: "gregor-capture-kcat",
            softwareName: "librdkafka", softwareVersion: "2.0.2"),
    ]

    static func frame(_ name: String) throws -> ByteBuffer {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("wire").appendingPathComponent(name + ".bin")
        return ByteBuffer(bytes: try Data(contentsOf: url))
    }

    @Test(arguments: captures)
    func decodesCapturedApiVersionsRequest(capture: Capture) throws {
        var reader = KafkaReader(buffer: try Self.frame(capture.file))
        let size = try reader.int32("size")
        #expect(Int(size) == reader.remaining)

        let prefix = try RequestHeader.peek(reader)
        #expect(prefix.apiKey == .apiVersions)
        #expect(prefix.apiVersion == capture.apiVersion)
        // ApiVersions is flexible from v3 on, so these use request header v2.
        let version = RequestHeader.version(
            apiKey: prefix.apiKey, apiVersion: prefix.apiVersion, firstFlexibleVersion: 3)
        #expect(version == .v2)
        let header = try RequestHeader(from: &reader, version: version)
        #expect(header.correlationId == prefix.correlationId)
        #expect(header.clientId == capture.clientId)
        #expect(header.taggedFields.isEmpty)

        // ApiVersionsRequest v3+: compact client_software_name, compact client_software_version, tagged fields.
        #expect(try reader.compactString("client_software_name") == capture.softwareName)
        #expect(try reader.compactString("client_software_version") == capture.softwareVersion)
        try reader.skipTaggedFields()
        #expect(reader.remaining == 0)
    }

    /// Every truncation of a real frame's payload fails with an error rather than trapping.
    @Test(arguments: captures)
    func truncatedCapturesFailCleanly(capture: Capture) throws {
        var full = try Self.frame(capture.file)
        full.moveReaderIndex(forwardBy: 4)
        let payload = Array(full.readableBytesView)
        for length in 0..<payload.count {
            let error = Wire.error(Array(payload.prefix(length))) { reader in
                _ = try RequestHeader(from: &reader, version: .v2)
                _ = try reader.compactString()
                _ = try reader.compactString()
                try reader.skipTaggedFields()
            }
            #expect(error != nil)
        }
    }
}
