import KafkaProtocol
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KafkaClient

/// A connection over an in-memory channel with the real pipeline (frame decoder + multiplexer) and no
/// ApiVersions exchange: the test plays the broker by reading outbound frames and writing inbound ones.
private func connection(
    _ configuration: KafkaConnectionConfiguration = KafkaConnectionConfiguration(negotiateApiVersions: false)
) async throws -> (KafkaConnection, NIOAsyncTestingChannel) {
    let channel = NIOAsyncTestingChannel()
    try await channel.testingEventLoop.executeInContext {
        try channel.pipeline.syncOperations.addHandler(
            KafkaFrameDecoder(maxFrameBytes: configuration.maxResponseBytes))
        try channel.pipeline.syncOperations.addHandler(
            RequestMultiplexer(
                maxInFlightRequests: configuration.maxInFlightRequests, maxResponseBytes: configuration.maxResponseBytes))
    }
    try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9092))
    let connection = KafkaConnection(
        host: "127.0.0.1", port: 9092, channel: channel, configuration: configuration, logger: Logger(label: "test"))
    return (connection, channel)
}

/// Reads one request frame the connection wrote: its header fields and the bytes after the header.
private struct WrittenRequest {
    var size: Int32
    var header: RequestHeader
    var body: [UInt8]

    init(_ frame: ByteBuffer, headerVersion: RequestHeader.Version) throws {
        var reader = KafkaReader(buffer: frame)
        size = try reader.int32()
        #expect(Int(size) == reader.remaining)
        header = try RequestHeader(from: &reader, version: headerVersion)
        body = Array(reader.rest().readableBytesView)
    }
}

@Suite struct KafkaConnectionTests {
    @Test func nonFlexibleVersionUsesRequestHeaderV1AndResponseHeaderV0() async throws {
        let (connection, channel) = try await connection()
        let response = Task { try await connection.send(EchoRequest(value: 7), version: 8) }
        let written = try WrittenRequest(await channel.waitForOutboundWrite(as: ByteBuffer.self), headerVersion: .v1)
        #expect(written.header == RequestHeader(apiKey: .metadata, apiVersion: 8, correlationId: 0, clientId: "gregor"))
        #expect(written.body == [0, 0, 0, 7])
        try await channel.writeInbound(responseFrame(correlationId: 0, flexibleHeader: false, body: echoBody(70, version: 8)))
        #expect(try await response.value == EchoResponse(value: 70))
    }

    @Test func flexibleVersionUsesRequestHeaderV2AndResponseHeaderV1() async throws {
        let (connection, channel) = try await connection()
        let response = Task { try await connection.send(EchoRequest(value: 9), version: 9) }
        let frame = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let written = try WrittenRequest(frame, headerVersion: .v2)
        #expect(written.header.apiVersion == 9)
        #expect(written.header.clientId == "gregor")
        // client_id stays a classic string in header v2, then an empty tagged-field section, then the body.
        #expect(Array(frame.readableBytesView.suffix(5)) == [0, 0, 0, 9, 0])
        try await channel.writeInbound(responseFrame(correlationId: 0, flexibleHeader: true, body: echoBody(90, version: 9)))
        #expect(try await response.value == EchoResponse(value: 90))
    }

    @Test func pipelinedRequestsGetIncreasingCorrelationIdsAndTheirOwnResponses() async throws {
        let (connection, channel) = try await connection()
        let first = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        let firstHeader = try WrittenRequest(await channel.waitForOutboundWrite(as: ByteBuffer.self), headerVersion: .v1)
        let second = Task { try await connection.send(EchoRequest(value: 2), version: 1) }
        let secondHeader = try WrittenRequest(await channel.waitForOutboundWrite(as: ByteBuffer.self), headerVersion: .v1)
        #expect(firstHeader.header.correlationId == 0)
        #expect(secondHeader.header.correlationId == 1)
        // Both responses in one read: the decoder splits them, the multiplexer matches them in order.
        var both = responseFrame(correlationId: 0, flexibleHeader: false, body: echoBody(10, version: 1))
        var secondFrame = responseFrame(correlationId: 1, flexibleHeader: false, body: echoBody(20, version: 1))
        both.writeBuffer(&secondFrame)
        try await channel.writeInbound(both)
        #expect(try await first.value == EchoResponse(value: 10))
        #expect(try await second.value == EchoResponse(value: 20))
        #expect(connection.isActive)
    }

    @Test func outOfOrderCorrelationIdFailsEveryWaitingRequestAndCloses() async throws {
        let (connection, channel) = try await connection()
        let first = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let second = Task { try await connection.send(EchoRequest(value: 2), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(responseFrame(correlationId: 1, flexibleHeader: false, body: echoBody(20, version: 1)))
        let expected = KafkaClientError.unexpectedResponse(expectedCorrelationId: 0, receivedCorrelationId: 1)
        await #expect(throws: expected) { try await first.value }
        await #expect(throws: expected) { try await second.value }
        #expect(!connection.isActive)
        await #expect(throws: KafkaClientError.self) { try await connection.send(EchoRequest(value: 3), version: 1) }
    }

    @Test func responseWithNoRequestInFlightClosesTheConnection() async throws {
        let (connection, channel) = try await connection()
        try await channel.writeInbound(responseFrame(correlationId: 5, flexibleHeader: false, body: []))
        #expect(!connection.isActive)
    }

    @Test func timeoutFailsTheRequestAndClosesTheConnection() async throws {
        let (connection, channel) = try await connection()
        let slow = Task { try await connection.send(EchoRequest(value: 1), version: 1, timeout: .milliseconds(500)) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let other = Task { try await connection.send(EchoRequest(value: 2), version: 1, timeout: .seconds(60)) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(499))
        #expect(connection.isActive)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        await #expect(throws: KafkaClientError.timedOut(api: .metadata, correlationId: 0, timeoutMs: 500)) { try await slow.value }
        await #expect(throws: KafkaClientError.connectionClosed) { try await other.value }
        #expect(!connection.isActive)
    }

    @Test func answeredRequestsCancelTheirTimers() async throws {
        let (connection, channel) = try await connection()
        let response = Task { try await connection.send(EchoRequest(value: 1), version: 1, timeout: .milliseconds(100)) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(responseFrame(correlationId: 0, flexibleHeader: false, body: echoBody(1, version: 1)))
        _ = try await response.value
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        #expect(connection.isActive)
    }

    @Test func peerClosingFailsWaitingRequestsWithConnectionClosed() async throws {
        let (connection, channel) = try await connection()
        let response = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        channel.pipeline.fireChannelInactive()
        await #expect(throws: KafkaClientError.connectionClosed) { try await response.value }
    }

    @Test func closeFailsWaitingRequestsAndLaterSends() async throws {
        let (connection, channel) = try await connection()
        let response = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        await connection.close()
        await connection.close()
        await #expect(throws: KafkaClientError.connectionClosed) { try await response.value }
        await #expect(throws: KafkaClientError.self) { try await connection.send(EchoRequest(value: 2), version: 1) }
    }

    @Test func oversizedResponsePrefixFailsWithoutWaitingForThePayload() async throws {
        var configuration = KafkaConnectionConfiguration(negotiateApiVersions: false)
        configuration.maxResponseBytes = 64
        let (connection, channel) = try await connection(configuration)
        let response = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        _ = try? await channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 65]))
        await #expect(throws: KafkaClientError.responseTooLarge(size: 65, limit: 64)) { try await response.value }
        #expect(!connection.isActive)
    }

    @Test func undecodableBodyFailsOnlyItsRequest() async throws {
        let (connection, channel) = try await connection()
        let bad = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(responseFrame(correlationId: 0, flexibleHeader: false, body: [0, 1]))
        await #expect {
            try await bad.value
        } throws: { error in
            guard case KafkaClientError.decodingFailed(.metadata, 1, _) = error else { return false }
            return true
        }
        #expect(connection.isActive)
        let good = Task { try await connection.send(EchoRequest(value: 2), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(responseFrame(correlationId: 1, flexibleHeader: false, body: echoBody(2, version: 1)))
        #expect(try await good.value == EchoResponse(value: 2))
    }

    @Test func requestWithoutResponseTakesNoInFlightSlot() async throws {
        let (connection, channel) = try await connection()
        try await connection.sendWithoutResponse(EchoRequest(value: 1), version: 1)
        let fireAndForget = try WrittenRequest(await channel.waitForOutboundWrite(as: ByteBuffer.self), headerVersion: .v1)
        #expect(fireAndForget.header.correlationId == 0)
        let answered = Task { try await connection.send(EchoRequest(value: 2), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        try await channel.writeInbound(responseFrame(correlationId: 1, flexibleHeader: false, body: echoBody(2, version: 1)))
        #expect(try await answered.value == EchoResponse(value: 2))
    }

    @Test func inFlightRequestsAreBounded() async throws {
        var configuration = KafkaConnectionConfiguration(negotiateApiVersions: false)
        configuration.maxInFlightRequests = 1
        let (connection, channel) = try await connection(configuration)
        let first = Task { try await connection.send(EchoRequest(value: 1), version: 1) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        await #expect(throws: KafkaClientError.tooManyInFlightRequests(limit: 1)) {
            try await connection.send(EchoRequest(value: 2), version: 1)
        }
        try await channel.writeInbound(responseFrame(correlationId: 0, flexibleHeader: false, body: echoBody(1, version: 1)))
        #expect(try await first.value == EchoResponse(value: 1))
    }

    @Test func versionOutsideTheCodecsRangeIsRefusedBeforeSending() async throws {
        let (connection, channel) = try await connection()
        await #expect(throws: KafkaClientError.unsupportedVersion(api: .metadata, version: 10)) {
            try await connection.send(EchoRequest(value: 1), version: 10)
        }
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test func negotiatedVersionIsTheLowerMaximumWithinTheBrokersRange() async throws {
        let (connection, _) = try await connection()
        #expect(connection.version(for: .metadata, max: 9) == 9)  // not negotiated: the caller's own maximum
        connection.setApiVersions(BrokerApiVersions(ranges: [.metadata: 0...7, .fetch: 4...12]))
        #expect(connection.version(for: .metadata, max: 9) == 7)
        #expect(connection.version(for: .metadata, max: 5) == 5)
        #expect(connection.version(for: .fetch, max: 3) == nil)
        #expect(connection.version(for: .produce, max: 8) == nil)
        #expect(try connection.negotiatedVersion(EchoRequest.self) == 7)
        #expect(try connection.negotiatedVersion(EchoRequest.self, max: 3) == 3)
    }
}
