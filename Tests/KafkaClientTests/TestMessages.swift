import KafkaProtocol
import NIOCore

/// A made-up API for connection tests: one int32 each way, flexible from v9 (like Metadata's range), so the
/// header versions can be checked without depending on the generated codecs.
struct EchoRequest: KafkaRequest, Equatable {
    typealias Response = EchoResponse
    static let apiKey = ApiKey.metadata
    static let validVersions: ClosedRange<Int16> = 0...9
    static let firstFlexibleVersion: Int16? = 9

    var value: Int32

    init(value: Int32) { self.value = value }

    init(from reader: inout KafkaReader, version: Int16) throws(ProtocolDecodingError) {
        value = try reader.int32("value")
        if Self.isFlexible(version) { try reader.skipTaggedFields() }
    }

    func encode(into writer: inout KafkaWriter, version: Int16) throws(ProtocolEncodingError) {
        writer.int32(value)
        if Self.isFlexible(version) { writer.emptyTaggedFields() }
    }
}

struct EchoResponse: KafkaResponse, Equatable {
    static let apiKey = ApiKey.metadata
    static let validVersions: ClosedRange<Int16> = 0...9
    static let firstFlexibleVersion: Int16? = 9

    var value: Int32

    init(value: Int32) { self.value = value }

    init(from reader: inout KafkaReader, version: Int16) throws(ProtocolDecodingError) {
        value = try reader.int32("value")
        if Self.isFlexible(version) { try reader.skipTaggedFields() }
    }

    func encode(into writer: inout KafkaWriter, version: Int16) throws(ProtocolEncodingError) {
        writer.int32(value)
        if Self.isFlexible(version) { writer.emptyTaggedFields() }
    }
}

/// A response frame as a broker writes it: size, response header (v1 adds an empty tagged-field section), body.
func responseFrame(correlationId: Int32, flexibleHeader: Bool, body: [UInt8]) -> ByteBuffer {
    var payload = ByteBuffer()
    payload.writeInteger(correlationId)
    if flexibleHeader { payload.writeInteger(UInt8(0)) }
    payload.writeBytes(body)
    var frame = ByteBuffer()
    frame.writeInteger(Int32(payload.readableBytes))
    frame.writeBuffer(&payload)
    return frame
}

/// An EchoResponse body at `version`.
func echoBody(_ value: Int32, version: Int16) -> [UInt8] {
    var writer = KafkaWriter()
    try? EchoResponse(value: value).encode(into: &writer, version: version)
    return Array(writer.buffer.readableBytesView)
}
