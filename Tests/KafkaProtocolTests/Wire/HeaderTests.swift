import NIOCore
import Testing

@testable import KafkaProtocol

@Suite struct HeaderTests {
    @Test func apiKeysMatchKafka28() {
        #expect(ApiKey.produce.rawValue == 0)
        #expect(ApiKey.apiVersions.rawValue == 18)
        #expect(ApiKey.offsetForLeaderEpoch.rawValue == 23)
        #expect(ApiKey.describeCluster.rawValue == 60)
        #expect(ApiKey.describeProducers.rawValue == 61)
        #expect(ApiKey.allKnown.count == 62)
        #expect(ApiKey.alterIsr.name == "AlterIsr")
        #expect(ApiKey.controlledShutdown.description == "ControlledShutdown(7)")
        #expect(ApiKey(rawValue: 62).name == nil)
        #expect(ApiKey(rawValue: -1).description == "Unknown(-1)")
    }

    @Test func requestHeaderVersionFollowsKafka() {
        #expect(RequestHeader.version(apiKey: .controlledShutdown, apiVersion: 0, firstFlexibleVersion: 3) == .v0)
        #expect(RequestHeader.version(apiKey: .controlledShutdown, apiVersion: 1, firstFlexibleVersion: 3) == .v1)
        #expect(RequestHeader.version(apiKey: .controlledShutdown, apiVersion: 3, firstFlexibleVersion: 3) == .v2)
        #expect(RequestHeader.version(apiKey: .apiVersions, apiVersion: 3, firstFlexibleVersion: 3) == .v2)
        #expect(RequestHeader.version(apiKey: .apiVersions, apiVersion: 2, firstFlexibleVersion: 3) == .v1)
        #expect(RequestHeader.version(apiKey: .produce, apiVersion: 0, firstFlexibleVersion: nil) == .v1)
    }

    @Test func responseHeaderVersionFollowsKafka() {
        #expect(ResponseHeader.version(apiKey: .apiVersions, apiVersion: 3, firstFlexibleVersion: 3) == .v0)
        #expect(ResponseHeader.version(apiKey: .metadata, apiVersion: 9, firstFlexibleVersion: 9) == .v1)
        #expect(ResponseHeader.version(apiKey: .metadata, apiVersion: 8, firstFlexibleVersion: 9) == .v0)
        #expect(ResponseHeader.version(apiKey: .produce, apiVersion: 8, firstFlexibleVersion: nil) == .v0)
    }

    @Test(arguments: RequestHeader.Version.allCases)
    func requestHeaderRoundTrips(version: RequestHeader.Version) throws {
        let header = RequestHeader(
            apiKey: .metadata, apiVersion: 9, correlationId: 42, clientId: version == .v0 ? nil : "client",
            taggedFields: version == .v2 ? [TaggedField(tag: 1, value: ByteBuffer(bytes: [7]))] : [])
        var writer = KafkaWriter()
        try header.encode(into: &writer, version: version)
        writer.int8(99)  // first body byte
        var reader = KafkaReader(buffer: writer.buffer)
        let peeked = try RequestHeader.peek(reader)
        #expect(peeked == RequestHeader.Prefix(apiKey: .metadata, apiVersion: 9, correlationId: 42))
        #expect(try RequestHeader(from: &reader, version: version) == header)
        #expect(try reader.int8() == 99)
    }

    @Test func requestHeaderV1Bytes() throws {
        let header = RequestHeader(apiKey: .apiVersions, apiVersion: 0, correlationId: 1, clientId: nil)
        var writer = KafkaWriter()
        try header.encode(into: &writer, version: .v1)
        #expect(Array(writer.buffer.readableBytesView) == [0, 18, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF])
    }

    @Test func truncatedRequestHeaderFailsWithFieldName() {
        #expect(Wire.error([0, 18, 0]) { try RequestHeader.peek($0) }
            == ProtocolDecodingError(field: "api_version", kind: .truncated(needed: 2, available: 1)))
        #expect(Wire.error([0, 18, 0, 3, 0, 0, 0, 1, 0, 9, 0x61]) { try RequestHeader(from: &$0, version: .v2) }?.field
            == "client_id")
        #expect(Wire.error([0, 18, 0, 3, 0, 0, 0, 1, 0xFF, 0xFF]) { try RequestHeader(from: &$0, version: .v2) }?.field
            == "request_header_tagged_fields")
    }

    @Test(arguments: ResponseHeader.Version.allCases)
    func responseHeaderRoundTrips(version: ResponseHeader.Version) throws {
        let header = ResponseHeader(correlationId: -7)
        var writer = KafkaWriter()
        try header.encode(into: &writer, version: version)
        #expect(writer.buffer.readableBytes == (version == .v0 ? 4 : 5))
        var reader = KafkaReader(buffer: writer.buffer)
        #expect(try ResponseHeader(from: &reader, version: version) == header)
        #expect(reader.remaining == 0)
    }
}
