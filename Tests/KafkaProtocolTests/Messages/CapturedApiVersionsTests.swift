import NIOCore
import Testing

@testable import KafkaProtocol

/// The ApiVersions requests real clients sent (`Fixtures/wire/`), decoded with the generated codec.
@Suite struct CapturedApiVersionsTests {
    @Test(arguments: CapturedRequestTests.captures)
    func decodesWithTheGeneratedCodec(capture: CapturedRequestTests.Capture) throws {
        var reader = KafkaReader(buffer: try CapturedRequestTests.frame(capture.file))
        _ = try reader.int32("size")
        let prefix = try RequestHeader.peek(reader)
        let support = try #require(KafkaApis.supported[prefix.apiKey])
        let header = try RequestHeader(from: &reader, version: support.requestHeaderVersion(prefix.apiVersion))
        #expect(header.clientId == capture.clientId)
        let body = reader.buffer

        if support.validVersions.contains(header.apiVersion) {
            let request = try ApiVersionsRequest(from: &reader, version: header.apiVersion)
            #expect(reader.remaining == 0)
            #expect(request.clientSoftwareName == capture.softwareName)
            #expect(request.clientSoftwareVersion == capture.softwareVersion)
            #expect(try encode(request, version: header.apiVersion) == body, "re-encodes byte for byte")
        } else {
            // kafka-python 3.x opens with v4, which Kafka 2.8 lacks: the codec refuses it (the broker answers
            // UNSUPPORTED_VERSION), though v4's body has v3's layout.
            #expect(capture.apiVersion == 4)
            #expect(throws: ProtocolDecodingError(field: "api_version", kind: .invalidValue(4))) {
                _ = try ApiVersionsRequest(from: &reader, version: header.apiVersion)
            }
            var v3 = KafkaReader(buffer: body)
            let request = try ApiVersionsRequest(from: &v3, version: 3)
            #expect(request.clientSoftwareName == capture.softwareName)
        }
    }
}
