import KafkaProtocol
import NIOCore
import Testing

@testable import Broker

@Suite struct RequestDispatcherTests {
    private let routes: [ApiRoute] = [
        .route(ApiVersionsRequest.self) { _, _ in ApiVersionsResponse(errorCode: 0, apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 3)]) },
        .route(MetadataRequest.self) { _, _ in MetadataResponse(controllerId: 7) },
    ]

    private var dispatcher: RequestDispatcher {
        RequestDispatcher(routes: routes, limits: WireLimits(), apiVersionsFallback: BrokerApis.apiVersionsFallback(routes: routes))
    }

    private func frame<R: KafkaRequest>(_ request: R, version: Int16, correlationId: Int32 = 42) throws -> ByteBuffer {
        var writer = KafkaWriter()
        let header = RequestHeader(apiKey: R.apiKey, apiVersion: version, correlationId: correlationId, clientId: "test")
        try header.encode(into: &writer, version: RequestHeader.version(apiKey: R.apiKey, apiVersion: version, firstFlexibleVersion: R.firstFlexibleVersion))
        try request.encode(into: &writer, version: version)
        return writer.buffer
    }

    /// The response body after the size prefix and a v0 header, checking the correlation id.
    private func body(_ action: ResponseAction, correlationId: Int32 = 42) throws -> KafkaReader {
        guard case .send(let frame) = action else { throw Failure.notSent("\(action)") }
        var reader = KafkaReader(buffer: frame.buffer)
        #expect(try reader.int32() == Int32(frame.buffer.readableBytes - 4))
        #expect(try reader.int32() == correlationId)
        return reader
    }

    enum Failure: Error { case notSent(String) }

    @Test func apiVersionsV3IsAnsweredWithAV0HeaderAndTheRoutesVersions() async throws {
        let action = await dispatcher.process(
            try frame(ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1"), version: 3),
            connection: ConnectionInfo(remoteAddress: "test", listenerName: "PLAINTEXT"))
        var reader = try body(action)
        let response = try ApiVersionsResponse(from: &reader, version: 3)
        #expect(response.errorCode == 0)
        #expect(response.apiKeys.map(\.apiKey) == [18])
    }

    @Test func anUnknownApiVersionsVersionGetsUnsupportedVersionInV0Layout() async throws {
        // kafka-python 3 opens with ApiVersions v4, which Kafka 2.8 does not have; the captured request is in
        // KafkaProtocolTests' fixtures, its header is what matters here.
        var writer = KafkaWriter()
        try RequestHeader(apiKey: .apiVersions, apiVersion: 4, correlationId: 1, clientId: "kafka-python-3.0.0")
            .encode(into: &writer, version: .v2)
        writer.unsignedVarint(0)
        let action = await dispatcher.process(writer.buffer, connection: ConnectionInfo(remoteAddress: "test", listenerName: "PLAINTEXT"))
        var reader = try body(action, correlationId: 1)
        let response = try ApiVersionsResponse(from: &reader, version: 0)
        #expect(response.errorCode == ErrorCode.unsupportedVersion.rawValue)
        #expect(response.apiKeys.map(\.apiKey) == [3, 18])
        #expect(reader.remaining == 0)
    }

    @Test func unknownKeysUnsupportedVersionsAndGarbageCloseTheConnection() async throws {
        let connection = ConnectionInfo(remoteAddress: "test", listenerName: "PLAINTEXT")
        var unknown = ByteBuffer()
        unknown.writeInteger(Int16(999))
        unknown.writeInteger(Int16(0))
        unknown.writeInteger(Int32(5))
        unknown.writeInteger(Int16(-1))
        guard case .close = await dispatcher.process(unknown, connection: connection) else {
            Issue.record("unknown API key should close")
            return
        }
        var tooNew = try frame(MetadataRequest(topics: nil), version: 11)
        tooNew.setInteger(Int16(99), at: tooNew.readerIndex + 2)
        guard case .close = await dispatcher.process(tooNew, connection: connection) else {
            Issue.record("unsupported version should close")
            return
        }
        guard case .close = await dispatcher.process(ByteBuffer(bytes: [0, 3]), connection: connection) else {
            Issue.record("truncated header should close")
            return
        }
        var truncatedBody = try frame(MetadataRequest(topics: [.init(name: "orders")]), version: 1)
        truncatedBody.moveWriterIndex(to: truncatedBody.writerIndex - 3)
        guard case .close = await dispatcher.process(truncatedBody, connection: connection) else {
            Issue.record("truncated body should close")
            return
        }
        // A good request still works afterwards.
        var reader = try body(await dispatcher.process(try frame(MetadataRequest(topics: nil), version: 1), connection: connection))
        #expect(try MetadataResponse(from: &reader, version: 1).controllerId == 7)
    }
}
