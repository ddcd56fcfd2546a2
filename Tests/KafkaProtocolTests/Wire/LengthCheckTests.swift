import NIOCore
import Testing

@testable import KafkaProtocol

/// Hostile lengths and counts: each must end in the right `ProtocolDecodingError`, before any allocation.
@Suite struct LengthCheckTests {
    @Test func fixedWidthReadsReportTruncation() {
        #expect(Wire.error([0x00]) { try $0.int16("f") } == ProtocolDecodingError(field: "f", kind: .truncated(needed: 2, available: 1)))
        #expect(Wire.error([0, 0, 0]) { try $0.int32() }?.kind == .truncated(needed: 4, available: 3))
        #expect(Wire.error([0, 0, 0, 0, 0, 0, 0]) { try $0.int64() }?.kind == .truncated(needed: 8, available: 7))
        #expect(Wire.error([]) { try $0.int8() }?.kind == .truncated(needed: 1, available: 0))
        #expect(Wire.error([]) { try $0.boolean() }?.kind == .truncated(needed: 1, available: 0))
        #expect(Wire.error([1, 2, 3]) { try $0.float64() }?.kind == .truncated(needed: 8, available: 3))
        #expect(Wire.error([UInt8](repeating: 0, count: 15)) { try $0.uuid() }?.kind == .truncated(needed: 16, available: 15))
    }

    @Test func stringLengthChecks() {
        // Truncated body, negative length, null where not nullable, over the limit, not UTF-8.
        #expect(Wire.error([0x00, 0x05, 0x61]) { try $0.string("s") }?.kind == .truncated(needed: 5, available: 1))
        #expect(Wire.error([0xFF, 0xFE]) { try $0.nullableString() }?.kind == .negativeLength(-2))
        #expect(Wire.error([0xFF, 0xFF]) { try $0.string("s") } == ProtocolDecodingError(field: "s", kind: .unexpectedNull))
        let limits = WireLimits(maxStringLength: 3)
        #expect(Wire.error([0x00, 0x04, 1, 2, 3, 4], limits: limits) { try $0.string() }?.kind == .tooLong(length: 4, limit: 3))
        #expect(Wire.error([0x00, 0x02, 0xC3, 0x28]) { try $0.string() }?.kind == .invalidUTF8)
        #expect(Wire.error([0x00, 0x01]) { try $0.string() }?.kind == .truncated(needed: 1, available: 0))
    }

    @Test func compactStringLengthChecks() {
        #expect(Wire.error([0x06, 0x61]) { try $0.compactString() }?.kind == .truncated(needed: 5, available: 1))
        #expect(Wire.error([0x00]) { try $0.compactString() }?.kind == .unexpectedNull)
        // 0xFFFFFFFF - 1 bytes claimed: over the default 32767 limit, reported before truncation.
        #expect(Wire.error([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) { try $0.compactNullableString() }?.kind
            == .tooLong(length: 4_294_967_294, limit: 32767))
        #expect(Wire.error([0x03, 0xFF, 0xFF]) { try $0.compactString() }?.kind == .invalidUTF8)
        #expect(Wire.error([0x80]) { try $0.compactString() }?.kind == .truncated(needed: 2, available: 1))
    }

    @Test func bytesLengthChecks() {
        #expect(Wire.error([0, 0, 0, 9, 1]) { try $0.bytes("b") }?.kind == .truncated(needed: 9, available: 1))
        #expect(Wire.error([0xFF, 0xFF, 0xFF, 0xFE]) { try $0.nullableBytes() }?.kind == .negativeLength(-2))
        #expect(Wire.error([0x80, 0, 0, 0]) { try $0.nullableBytes() }?.kind == .negativeLength(Int64(Int32.min)))
        #expect(Wire.error([0xFF, 0xFF, 0xFF, 0xFF]) { try $0.bytes() }?.kind == .unexpectedNull)
        #expect(Wire.error([0x7F, 0xFF, 0xFF, 0xFF]) { try $0.bytes() }?.kind == .tooLong(length: Int64(Int32.max), limit: 104_857_600))
        let limits = WireLimits(maxBytesLength: 2)
        #expect(Wire.error([0x04, 1, 2, 3], limits: limits) { try $0.compactBytes() }?.kind == .tooLong(length: 3, limit: 2))
        #expect(Wire.error([0x00]) { try $0.compactBytes() }?.kind == .unexpectedNull)
        #expect(Wire.error([0x05, 1]) { try $0.compactNullableBytes() }?.kind == .truncated(needed: 4, available: 1))
    }

    @Test func arrayCountChecks() {
        // More elements than bytes left: each element needs at least one byte.
        #expect(Wire.error([0, 0, 0, 3, 1, 2]) { try $0.arrayCount("a") }?.kind == .truncated(needed: 3, available: 2))
        #expect(Wire.error([0xFF, 0xFF, 0xFF, 0xFF]) { try $0.arrayCount() }?.kind == .unexpectedNull)
        #expect(Wire.error([0xFF, 0xFF, 0xFF, 0xF0]) { try $0.nullableArrayCount() }?.kind == .negativeLength(-16))
        #expect(Wire.error([0x00, 0x0F, 0x42, 0x41]) { try $0.arrayCount() }?.kind == .tooLong(length: 1_000_001, limit: 100_000))
        #expect(Wire.error([0x00]) { try $0.compactArrayCount() }?.kind == .unexpectedNull)
        let limits = WireLimits(maxArrayCount: 1)
        #expect(Wire.error([0x03, 1, 2], limits: limits) { try $0.compactArrayCount() }?.kind == .tooLong(length: 2, limit: 1))
        #expect(Wire.error([0x03, 1]) { try $0.compactArrayCount() }?.kind == .truncated(needed: 2, available: 1))
        #expect(Wire.error([0x01]) { try $0.compactArrayCount() } == nil)
    }

    @Test func sliceAndSkipCheckBounds() {
        #expect(Wire.error([1, 2]) { try $0.slice(3, "s") }?.kind == .truncated(needed: 3, available: 2))
        #expect(Wire.error([1, 2]) { try $0.skip(-1) }?.kind == .negativeLength(-1))
    }

    /// Every prefix of a valid message must fail cleanly (never trap), and the whole message must succeed.
    @Test func everyTruncationOfAMessageFailsCleanly() throws {
        let message = try Wire.bytes { writer in
            writer.int16(3)
            try writer.compactString("topic")
            try writer.compactArrayCount(1)
            writer.uuid(.zero)
            try writer.nullableBytes(ByteBuffer(bytes: [1, 2, 3]))
            writer.varlong(-5)
            try writer.taggedFields([TaggedField(tag: 7, value: ByteBuffer(bytes: [1]))])
        }
        func decode(_ reader: inout KafkaReader) throws {
            _ = try reader.int16()
            _ = try reader.compactString()
            _ = try reader.compactArrayCount()
            _ = try reader.uuid()
            _ = try reader.nullableBytes()
            _ = try reader.varlong()
            _ = try reader.taggedFields()
        }
        for length in 0..<message.count {
            #expect(Wire.error(Array(message.prefix(length)), decode) != nil)
        }
        #expect(Wire.error(message, decode) == nil)
    }

    @Test func errorDescriptionsNameTheField() {
        let error = ProtocolDecodingError(field: "client_id", kind: .tooLong(length: 40000, limit: 32767))
        #expect(error.description == "client_id: length 40000 exceeds limit 32767")
        #expect(ProtocolDecodingError(field: "", kind: .invalidVarint).description == "invalid varint")
    }
}
